#include "publisher/secretvalues.h"

#include "crypto/sealedbox.h"
#include "manifest/pod.h"

#include <QFile>
#include <QRegularExpression>
#include <QSet>

using namespace Qt::StringLiterals;

namespace berth::publisher {

namespace {
constexpr qint64 MaxSecretFileBytes = 1024 * 1024;
}

void SecretValues::set(const QString &name, const QString &key, crypto::SecretBytes value)
{
    m_values[name].insert(key, std::move(value));
}

Result<void> SecretValues::add(const QString &spec, const QProcessEnvironment &env)
{
    static const QRegularExpression form(
        u"^([a-z0-9]([a-z0-9-]*[a-z0-9])?)\\.([A-Za-z0-9._-]{1,253})=(@|env:)(.+)$"_s);
    const auto m = form.match(spec);
    if (!m.hasMatch())
        return Error(
            ErrorCode::InvalidArgument,
            u"--secret takes NAME.KEY=@FILE or NAME.KEY=env:VARIABLE (the value itself "
            u"never goes on the command line), not \"%1\""_s.arg(spec.section(u'=', 0, 0)));
    const QString name = m.captured(1), key = m.captured(3), source = m.captured(5);
    if (m.captured(4) == u"env:") {
        if (!env.contains(source))
            return Error(
                ErrorCode::InvalidArgument,
                u"--secret %1.%2: the environment variable %3 is not set"_s.arg(name, key, source));
        QByteArray raw = env.value(source).toUtf8();
        set(name, key, crypto::SecretBytes(raw));
        crypto::secureZero(raw);
        return {};
    }
    QFile file(source);
    if (!file.open(QIODevice::ReadOnly))
        return Error(ErrorCode::NotFound, u"--secret %1.%2: cannot read %3: %4"_s.arg(
                                              name, key, source, file.errorString()));
    if (file.size() > MaxSecretFileBytes)
        return Error(ErrorCode::TooLarge,
                     u"--secret %1.%2: %3 is over 1 MiB; a secret value must be smaller"_s.arg(
                         name, key, source));
    QByteArray raw = file.readAll();
    set(name, key, crypto::SecretBytes(raw));
    crypto::secureZero(raw);
    return {};
}

Result<QJsonObject> SecretValues::sealFor(const manifest::Pod &pod,
                                          QByteArrayView x25519PublicKey) const
{
    // name → keys needed (empty set with `all`: every key given for it)
    QMap<QString, QStringList> needed;
    QSet<QString> whole;
    for (const auto &container : pod.containers)
        for (const auto &env : container.env)
            if (env.secret)
                needed[env.secret->name].append(env.secret->key);
    for (const auto &volume : pod.volumes) {
        if (volume.kind != manifest::VolumeKind::Secret)
            continue;
        if (volume.items.isEmpty())
            whole.insert(volume.secretName);
        for (const auto &item : volume.items)
            needed[volume.secretName].append(item.key);
    }
    for (const QString &name : std::as_const(whole))
        if (m_values.value(name).isEmpty())
            return Error(ErrorCode::InvalidArgument,
                         u"the manifest mounts every key of secret \"%1\": give at least one with "
                         u"--secret %1.KEY=@FILE"_s.arg(name));
    QJsonObject out;
    const auto seal = [&](const QString &name, const QString &key) -> Result<void> {
        const auto secret = m_values.constFind(name);
        if (secret == m_values.cend() || !secret->contains(key))
            return Error(ErrorCode::InvalidArgument,
                         u"the manifest uses key \"%2\" of secret \"%1\": give it with --secret "
                         u"%1.%2=@FILE (or =env:VARIABLE)"_s.arg(name, key));
        auto sealed = crypto::SealedBox::seal(secret->value(key).view(), x25519PublicKey);
        if (!sealed)
            return sealed.error();
        QJsonObject keys = out.value(name).toObject();
        keys.insert(key, QString::fromLatin1(sealed->toBase64()));
        out.insert(name, keys);
        return {};
    };
    for (auto it = needed.cbegin(); it != needed.cend(); ++it)
        for (const QString &key : it.value())
            if (auto ok = seal(it.key(), key); !ok)
                return ok.error();
    for (const QString &name : std::as_const(whole))
        for (const QString &key : m_values.constFind(name)->keys())
            if (auto ok = seal(name, key); !ok)
                return ok.error();
    return out;
}

} // namespace berth::publisher
