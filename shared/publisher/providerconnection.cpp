#include "publisher/providerconnection.h"

#include "core/hex.h"
#include "crypto/privatekey.h"
#include "protocol/protocolclient.h"
#include "protocol/rpcerror.h"
#include "protocol/rpcmessage.h"

#include <QDateTime>
#include <QPointer>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace berth::publisher {

ProviderConnection::ProviderConnection(quint64 chainId, QObject *parent)
    : QObject(parent)
    , m_chainId(chainId)
    , m_client(new protocol::ProtocolClient(this))
{
    connect(m_client, &protocol::ProtocolClient::notification, this,
            [this](const protocol::Notification &n) { Q_EMIT notification(n.method, n.params); });
}

ProviderConnection::~ProviderConnection() = default;

QByteArray ProviderConnection::certificateSha256() const
{
    return m_client->peerCertificateSha256();
}

void ProviderConnection::close()
{
    m_client->close();
}

void ProviderConnection::open(const ProviderTarget &target, std::function<void(Result<void>)> done)
{
    m_target = target;
    m_attested = false;
    auto finished = std::make_shared<bool>(false);
    auto once = [finished, done](Result<void> r) {
        if (!std::exchange(*finished, true))
            done(std::move(r));
    };
    // A connection that fails reports through failed(); one that opens goes on.
    auto *context = new QObject(this);
    connect(m_client, &protocol::ProtocolClient::failed, context,
            [context, once, target](const Error &e) {
                context->deleteLater();
                Error error = e;
                if (e.code == ErrorCode::Unavailable)
                    error.message = u"cannot reach the provider at %1: %2"_s.arg(
                        target.endpoint.toDisplayString(), e.message);
                once(error);
            });
    connect(m_client, &protocol::ProtocolClient::opened, context, [this, context, once] {
        context->deleteLater();
        m_client->call(u"session.hello"_s, {},
                       [this, once](Result<QJsonValue> hello) { onHello(std::move(hello), once); });
    });
    if (target.certificatePin.size() == 32)
        m_client->open(target.endpoint, target.certificatePin);
    else
        m_client->openForAttestation(target.endpoint);
}

void ProviderConnection::onHello(Result<QJsonValue> hello, std::function<void(Result<void>)> done)
{
    if (!hello)
        return done(hello.error());
    const QJsonObject h = hello->toObject();
    auto provider = crypto::Address::fromHex(h.value(u"provider"_s).toString());
    if (!provider)
        return done(Error(ErrorCode::BadResponse,
                          u"the provider at %1 did not name itself in session.hello"_s.arg(
                              m_target.endpoint.toDisplayString())));
    if (m_target.provider && *provider != *m_target.provider)
        return done(Error(ErrorCode::AuthFailed,
                          u"the server at %1 is provider %2, not %3: check the endpoint"_s.arg(
                              m_target.endpoint.toDisplayString(), provider->toChecksumString(),
                              m_target.provider->toChecksumString())));
    const quint64 chainId = quint64(h.value(u"chainId"_s).toInteger());
    if (chainId != m_chainId)
        return done(Error(ErrorCode::WrongChain,
                          u"provider %1 uses chain %2, this profile chain %3: choose the right "
                          u"--chain"_s.arg(provider->toChecksumString())
                              .arg(chainId)
                              .arg(m_chainId)));
    m_helloProvider = *provider;
    m_client->call(u"provider.attest"_s, {},
                   [this, done](Result<QJsonValue> a) { onAttest(std::move(a), done); });
}

void ProviderConnection::onAttest(Result<QJsonValue> attest, std::function<void(Result<void>)> done)
{
    if (!attest)
        return done(attest.error());
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    auto verified = protocol::Attestation::verify(attest->toObject(), m_helloProvider, m_chainId,
                                                  m_client->peerCertificateSha256(), now);
    if (!verified) {
        Error e = verified.error();
        e.message = u"provider %1 at %2: %3; nothing was sent to it"_s.arg(
            m_helloProvider.toChecksumString(), m_target.endpoint.toDisplayString(), e.message);
        m_client->close();
        return done(e);
    }
    if (m_target.encryptionKeyHash.size() == 32 &&
        verified->x25519KeyHash() != m_target.encryptionKeyHash) {
        m_client->close();
        return done(
            Error(ErrorCode::AuthFailed,
                  u"provider %1 attests the encryption key %2, but its Registry listing "
                  u"names another (hash %3): nothing was sealed to it"_s.arg(
                      m_helloProvider.toChecksumString(), hexString(verified->x25519PublicKey),
                      hexString(m_target.encryptionKeyHash))));
    }
    m_attestation = *verified;
    m_attested = true;
    done({});
}

void ProviderConnection::login(const crypto::PrivateKey &key,
                               std::function<void(Result<void>)> done)
{
    if (!m_attested)
        return done(Error(ErrorCode::InvalidArgument, u"log in only after the attestation"_s));
    m_client->login(key, 3600, [done](Result<QJsonObject> r) {
        if (!r)
            return done(r.error());
        done({});
    });
}

void ProviderConnection::call(const QString &method, const QJsonObject &params,
                              std::function<void(Result<QJsonValue>)> done)
{
    callRetrying(method, params, 0, std::move(done));
}

void ProviderConnection::callRetrying(const QString &method, const QJsonObject &params,
                                      int waitedMs, std::function<void(Result<QJsonValue>)> done)
{
    QPointer<ProviderConnection> self(this);
    m_client->call(method, params, [self, method, params, waitedMs, done](Result<QJsonValue> r) {
        if (r || !self)
            return done(std::move(r));
        const protocol::RpcError rpc = protocol::toRpcError(r.error());
        if (rpc.code != protocol::RpcErrorCode::RateLimited || waitedMs >= MaxRateLimitWaitMs)
            return done(std::move(r));
        const int wait = int(qBound(
            qint64(10), rpc.data.toObject().value(u"retryAfterMs"_s).toInteger(100), qint64(5000)));
        QTimer::singleShot(wait, self, [self, method, params, waitedMs, wait, done] {
            self->callRetrying(method, params, waitedMs + wait, done);
        });
    });
}

} // namespace berth::publisher
