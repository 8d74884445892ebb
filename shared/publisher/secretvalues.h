#pragma once

#include "core/result.h"
#include "crypto/secretbytes.h"

#include <QJsonObject>
#include <QMap>
#include <QProcessEnvironment>
#include <QString>

namespace berth::manifest {
struct Pod;
}

namespace berth::publisher {

// The values of the secrets a manifest refers to, as the publisher supplies
// them at deploy time, kept in wiped memory and only ever sent sealed to one
// provider's attested X25519 key (crypto_box_seal). Never written anywhere.
class SecretValues
{
public:
    // One value from the command line, never the value itself:
    //   NAME.KEY=@FILE     the file's bytes (a trailing newline is kept)
    //   NAME.KEY=env:VAR   the environment variable VAR
    // NAME is the secret's name (a DNS label, so the first '.' ends it).
    Result<void> add(const QString &spec,
                     const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());
    void set(const QString &name, const QString &key, crypto::SecretBytes value);

    bool isEmpty() const { return m_values.isEmpty(); }

    // params.secrets of pod.provision for `pod`: every secret it uses (through
    // env or a secret volume), each key sealed to x25519PublicKey. Refused
    // (InvalidArgument, naming what to pass) when a key the pod needs is missing;
    // values the pod does not use are not sent.
    Result<QJsonObject> sealFor(const manifest::Pod &pod, QByteArrayView x25519PublicKey) const;

private:
    QMap<QString, QMap<QString, crypto::SecretBytes>> m_values;
};

} // namespace berth::publisher
