#include "publishersession.h"

#include "cliwait.h"
#include "core/hex.h"
#include "providercommand.h"

#include <QRegularExpression>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace berth::cli {

using publisher::DeploymentEntry;
using publisher::ProviderConnection;
using publisher::ProviderTarget;

PublisherSession::PublisherSession(ChainSession &chain,
                                   std::unique_ptr<publisher::PublisherStore> store,
                                   crypto::Address publisher)
    : m_chain(chain)
    , m_store(std::move(store))
    , m_publisher(std::move(publisher))
{}

Result<std::unique_ptr<PublisherSession>> PublisherSession::open(ChainSession &chain,
                                                                 const QString &purpose)
{
    auto me = chain.account();
    if (!me)
        return me.error();
    if (auto unlocked = chain.unlock(purpose); !unlocked)
        return unlocked.error();
    auto store = publisher::PublisherStore::open(publisher::PublisherStore::defaultPath());
    if (!store)
        return store.error();
    return std::unique_ptr<PublisherSession>(
        new PublisherSession(chain, std::move(store).value(), *me));
}

Result<PublisherSession::ForDeployment>
PublisherSession::openFor(ChainSession &chain, const QString &purpose, const QString &name)
{
    auto session = open(chain, purpose);
    if (!session)
        return session.error();
    auto entry = (*session)->deployment(name);
    if (!entry)
        return entry.error();
    return ForDeployment{std::move(session).value(), std::move(entry).value()};
}

quint64 PublisherSession::chainId() const
{
    return m_chain.profile().chainId;
}

void PublisherSession::progress(const QString &line) const
{
    if (m_chain.json() || !::isatty(STDERR_FILENO))
        return;
    m_chain.io().err << line << "\n";
    m_chain.io().err.flush();
}

Result<DeploymentEntry> PublisherSession::deployment(const QString &name) const
{
    auto found = m_store->deployment(chainId(), m_publisher, name);
    if (!found)
        return found.error();
    if (!*found)
        return Error(ErrorCode::NotFound,
                     u"no deployment \"%1\" of %2 on this chain: `berthctl ls` lists yours"_s.arg(
                         name, m_publisher.toChecksumString()));
    return **found;
}

Result<std::unique_ptr<ProviderConnection>> PublisherSession::connect(const QString &addressOrUrl)
{
    ProviderTarget target;
    if (addressOrUrl.startsWith(u"wss://"_s)) {
        target.endpoint = QUrl(addressOrUrl);
        if (!target.endpoint.isValid())
            return Error(ErrorCode::InvalidArgument,
                         u"--provider: \"%1\" is not a wss:// URL"_s.arg(addressOrUrl));
    } else {
        auto address = crypto::Address::fromHex(addressOrUrl);
        if (!address)
            return Error(ErrorCode::InvalidArgument,
                         u"--provider takes the provider's address (0x…) or its wss:// URL: "_s +
                             address.error().message);
        auto registry = m_chain.contract(u"Registry"_s);
        if (!registry)
            return registry.error();
        auto listing = readListing(m_chain, *registry, *address);
        if (!listing)
            return listing.error();
        target.provider = *address;
        target.endpoint = QUrl(listing->listing.profile.endpoint);
        target.encryptionKeyHash = listing->listing.profile.encryptionKeyHash;
    }
    return connectTo(std::move(target));
}

Result<std::unique_ptr<ProviderConnection>>
PublisherSession::connect(const DeploymentEntry &deployment)
{
    ProviderTarget target;
    target.endpoint = QUrl(deployment.endpoint);
    target.provider = deployment.provider;
    return connectTo(std::move(target));
}

Result<std::unique_ptr<ProviderConnection>> PublisherSession::connectTo(ProviderTarget target)
{
    if (target.provider) {
        auto known = m_store->provider(chainId(), *target.provider);
        if (!known)
            return known.error();
        if (*known && (*known)->endpoint == target.endpoint.toString())
            target.certificatePin = (*known)->certSha256;
    }
    progress(u"Connecting to %1…"_s.arg(target.endpoint.toDisplayString()));
    auto connection = std::make_unique<ProviderConnection>(chainId());
    ProviderConnection *c = connection.get();
    auto opened = waitFor<void>([&](QObject *, std::function<void(Result<void>)> done) {
        c->open(target, std::move(done));
    });
    if (!opened)
        return opened.error();
    if (target.encryptionKeyHash.isEmpty()) {
        // Reached by URL or from the records: the listing must still vouch for it.
        auto registry = m_chain.contract(u"Registry"_s);
        if (!registry)
            return registry.error();
        auto listing = readListing(m_chain, *registry, c->provider());
        if (!listing)
            return listing.error();
        if (listing->listing.profile.encryptionKeyHash != c->attestation().x25519KeyHash())
            return Error(ErrorCode::AuthFailed,
                         u"provider %1 attests an encryption key its Registry listing does not "
                         u"name: nothing was sent to it"_s.arg(c->provider().toChecksumString()));
    }
    if (auto saved = m_store->saveProvider(
            chainId(), publisher::ProviderEntry{c->provider(),
                                                target.endpoint.toString(),
                                                c->certificateSha256(),
                                                c->attestation().x25519PublicKey,
                                                c->attestation().software,
                                                {}});
        !saved)
        return saved.error();
    const crypto::PrivateKey *key = m_chain.key();
    if (!key)
        return Error(ErrorCode::Internal, u"the account is not unlocked"_s);
    auto loggedIn = waitFor<void>([&](QObject *, std::function<void(Result<void>)> done) {
        c->login(*key, std::move(done));
    });
    if (!loggedIn)
        return loggedIn.error();
    return connection;
}

Result<QJsonValue> PublisherSession::call(ProviderConnection &connection, const QString &method,
                                          const QJsonObject &params)
{
    return waitFor<QJsonValue>([&](QObject *, std::function<void(Result<QJsonValue>)> done) {
        connection.call(method, params, std::move(done));
    });
}

} // namespace berth::cli
