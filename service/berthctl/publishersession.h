#pragma once

#include "chainsession.h"
#include "commandcontext.h"
#include "publisher/providerconnection.h"
#include "publisher/publisherstore.h"

#include <memory>

namespace berth::cli {

// What every deployment command shares: the unlocked chain session, the
// publisher's records, and connections to providers that were checked against
// their Registry listing and their signed attestation before anything was sent.
// Progress lines go to stderr only on a terminal and never with --json.
class PublisherSession
{
public:
    // Unlocks the account (for `purpose`) and opens the records.
    static Result<std::unique_ptr<PublisherSession>> open(ChainSession &chain,
                                                          const QString &purpose);
    // open(), then the recorded deployment `name` (NotFound saying what exists).
    struct ForDeployment;
    static Result<ForDeployment> openFor(ChainSession &chain, const QString &purpose,
                                         const QString &name);

    ChainSession &chain() const { return m_chain; }
    publisher::PublisherStore &store() const { return *m_store; }
    const crypto::Address &publisher() const { return m_publisher; }
    quint64 chainId() const;

    // A provider named by its address (its endpoint and encryption key come from
    // the Registry) or by its wss:// URL (then the provider it turns out to be
    // must be registered and attest the key its listing names); logged in.
    Result<std::unique_ptr<publisher::ProviderConnection>> connect(const QString &addressOrUrl);
    // The provider of a recorded deployment, at its recorded endpoint with its
    // pinned certificate.
    Result<std::unique_ptr<publisher::ProviderConnection>>
    connect(const publisher::DeploymentEntry &deployment);

    // One call, waited for.
    static Result<QJsonValue> call(publisher::ProviderConnection &connection, const QString &method,
                                   const QJsonObject &params);

    // The recorded deployment called `name`, or NotFound saying what exists.
    Result<publisher::DeploymentEntry> deployment(const QString &name) const;

    void progress(const QString &line) const;

private:
    PublisherSession(ChainSession &chain, std::unique_ptr<publisher::PublisherStore> store,
                     crypto::Address publisher);
    Result<std::unique_ptr<publisher::ProviderConnection>>
    connectTo(publisher::ProviderTarget target);

    ChainSession &m_chain;
    std::unique_ptr<publisher::PublisherStore> m_store;
    crypto::Address m_publisher;
};

struct PublisherSession::ForDeployment
{
    std::unique_ptr<PublisherSession> session;
    publisher::DeploymentEntry entry;
};

} // namespace berth::cli
