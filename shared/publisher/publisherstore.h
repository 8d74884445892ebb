#pragma once

#include "core/result.h"
#include "crypto/address.h"

#include <QByteArray>
#include <QJsonArray>
#include <QList>
#include <QString>

#include <memory>
#include <optional>

namespace berth::publisher {

// A provider as the publisher last saw it: where it serves and what it attested.
struct ProviderEntry
{
    crypto::Address address;
    QString endpoint;      // wss://
    QByteArray certSha256; // 32 bytes: pinned from then on
    QByteArray x25519Key;  // 32 bytes
    QString software;
    QString seenAt; // ISO 8601 UTC
};

// One of the publisher's deployments, by the name it gave it.
struct DeploymentEntry
{
    quint64 chainId = 0;
    crypto::Address publisher;
    QString name;
    crypto::Address provider;
    QString endpoint;
    QString deploymentId; // the provider's id (<name>-<8 hex>), once quoted
    QByteArray channelId; // 32 bytes
    QByteArray manifest;  // the manifest as sent (blob images in place of local ones)
    QString state;        // opening, provisioning, running, failed, deleted, closing, settled
    QJsonArray endpoints; // as pod.provision answered
    QString createdAt;
    QString updatedAt;
};

// An Escrow channel the publisher opened.
struct ChannelEntry
{
    quint64 chainId = 0;
    QByteArray channelId; // 32 bytes
    crypto::Address publisher;
    crypto::Address provider;
    QString name;
    QString ratePerSecond; // scaled by 10^18, decimal
    QString deposit;       // base units, decimal: what was escrowed in all
    QString state;         // open, closing, settled
    quint64 stopAt = 0;    // unix seconds, once closing
    QString refund;        // base units refunded at settlement
    QString updatedAt;
};

// The publisher's own records (deployments, channels, the providers it pinned)
// in SQLite under the XDG data folder: publisher.sqlite, owner-only. Nothing in
// it is secret; image keys live in BlobRecords, encrypted.
class PublisherStore
{
public:
    // The publisher's data folder: $BERTH_DATA_DIR, else $XDG_DATA_HOME/berth
    // (records, and the encrypted image blobs under blobs/).
    static QString dataDir();
    static QString defaultPath(); // dataDir()/publisher.sqlite
    static Result<std::unique_ptr<PublisherStore>> open(const QString &path);
    ~PublisherStore();
    PublisherStore(const PublisherStore &) = delete;
    PublisherStore &operator=(const PublisherStore &) = delete;

    Result<void> saveProvider(quint64 chainId, const ProviderEntry &provider);
    Result<std::optional<ProviderEntry>> provider(quint64 chainId,
                                                  const crypto::Address &address) const;

    Result<void> saveDeployment(const DeploymentEntry &deployment); // insert or replace
    Result<std::optional<DeploymentEntry>>
    deployment(quint64 chainId, const crypto::Address &publisher, const QString &name) const;
    // Every deployment of the publisher on the chain, oldest first.
    Result<QList<DeploymentEntry>> deployments(quint64 chainId,
                                               const crypto::Address &publisher) const;

    Result<void> saveChannel(const ChannelEntry &channel);
    Result<std::optional<ChannelEntry>> channel(quint64 chainId, const QByteArray &channelId) const;

    QString path() const { return m_path; }

private:
    PublisherStore(QString connection, QString path);
    Result<void> migrate();

    QString m_connection;
    QString m_path;
};

} // namespace berth::publisher
