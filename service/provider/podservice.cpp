#include "provider/podservice.h"

#include "chain/podprice.h"
#include "chain/priceunits.h"
#include "core/hex.h"
#include "manifest/manifestcodec.h"
#include "protocol/rpcerror.h"
#include "provider/blobservice.h"
#include "provider/capacitycheck.h"
#include "provider/deploymentrecord.h"
#include "provider/logkeeper.h"
#include "provider/paymentcheck.h"
#include "provider/rpcparams.h"
#include "provider/runtimeworker.h"
#include "provider/statestore.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QTcpServer>

using namespace Qt::StringLiterals;

namespace berth::provider {

Q_LOGGING_CATEGORY(lcPods, "berth.pods")

namespace {

using protocol::makeRpcError;
using protocol::RpcError;
using protocol::RpcErrorCode;
using protocol::toRpcError;

constexpr int QuoteDocumentVersion = 1; // the document `berthctl escrow quote` writes
constexpr int MaxNameLength = 31;
constexpr qsizetype MaxManifestBytes = 256 * 1024;
constexpr int MaxEvents = 1000;

Result<QString> nameParam(const QJsonObject &params)
{
    auto name = requiredString(params, u"name"_s);
    if (!name)
        return name;
    static const QRegularExpression label(u"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"_s);
    if (name->size() > MaxNameLength || !label.match(*name).hasMatch())
        return invalidParams(u"params.name must be 1–%1 characters of a-z, 0-9 and '-', starting "
                             "and ending with a letter or digit (got \"%2\")"_s.arg(MaxNameLength)
                                 .arg(name->left(64)));
    return name;
}

// The manifest in params.manifest (YAML or JSON text), parsed and validated.
Result<manifest::Pod> manifestParam(const QJsonObject &params)
{
    auto text = requiredString(params, u"manifest"_s);
    if (!text)
        return text.error();
    const QByteArray bytes = text->toUtf8();
    if (bytes.size() > MaxManifestBytes)
        return makeRpcError(RpcErrorCode::TooLarge,
                            u"params.manifest is %1 bytes; the limit is %2"_s.arg(bytes.size())
                                .arg(MaxManifestBytes));
    manifest::ParseResult parsed = manifest::loadManifest(bytes);
    if (!parsed.ok())
        return protocol::invalidManifestError(parsed.diagnostics);
    return parsed.pod;
}

QString manifestJson(const manifest::Pod &pod)
{
    return QString::fromUtf8(
        QJsonDocument(manifest::toJsonObject(pod)).toJson(QJsonDocument::Compact));
}

QString perHour(const UInt256 &rate, const PodServiceConfig &config)
{
    return u"%1 %2"_s.arg(
        chain::tokensPerPeriod(rate, config.tokenDecimals, chain::PricePeriod::Hour),
        config.tokenSymbol);
}

QJsonObject bindingJson(const PortBinding &binding, const manifest::Port &port,
                        const QStringList &hosts)
{
    QJsonObject json{{u"name"_s, binding.portName},
                     {u"containerPort"_s, binding.containerPort},
                     {u"protocol"_s, manifest::toString(port.protocol)},
                     {u"hostAddress"_s, binding.hostAddress},
                     {u"hostPort"_s, binding.hostPort}};
    if (port.protocol == manifest::PortProtocol::Http)
        json.insert(u"hosts"_s, QJsonArray::fromStringList(hosts));
    return json;
}

QList<const manifest::Port *> portsOf(const manifest::Pod &pod)
{
    QList<const manifest::Port *> ports;
    for (const manifest::Container &container : pod.containers)
        for (const manifest::Port &port : container.ports)
            ports.append(&port);
    return ports;
}

bool canBind(const QString &address, int port)
{
    QTcpServer probe;
    return probe.listen(QHostAddress(address), quint16(port));
}

} // namespace

struct PodService::Plan
{
    DeploymentRecord record;
    manifest::Pod pod;
    QByteArray channelId;
    QList<PortBinding> ports;
    QList<IngressRoute> routes;
    QMap<QString, QMap<QString, crypto::SecretBytes>> secrets;
    QList<BlobImage> images; // uploaded images to load before the pod starts
    bool isNew = true;
    QString verb = u"provisioned"_s;
};

PodService::PodService(PodServiceConfig config, StateStore *store, ChannelReader channels,
                       crypto::PrivateKey signer, RuntimeWorker *worker, SealOpener openSealed,
                       QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_store(store)
    , m_channels(std::move(channels))
    , m_signer(std::move(signer))
    , m_worker(worker)
    , m_openSealed(std::move(openSealed))
{}

QString PodService::deploymentIdFor(const QString &name, const QByteArray &channelId)
{
    return name + u'-' + QString::fromLatin1(channelId.left(4).toHex());
}

void PodService::remember(const Caller &caller)
{
    const QString publisher = caller.publisher.toChecksumString();
    m_sessionsByPublisher[publisher].insert(caller.sessionId);
    m_publisherBySession.insert(caller.sessionId, publisher);
}

void PodService::recordEvent(const QString &deploymentId, const QString &kind,
                             const QString &message)
{
    auto id = m_store->appendEvent(deploymentId, kind, message);
    if (!id) {
        qCWarning(lcPods).noquote()
            << "cannot record event for" << deploymentId << ":" << id.error().message;
        return;
    }
    auto record = m_store->deployment(deploymentId);
    if (!record)
        return;
    const QJsonObject params{
        {u"deployment"_s, deploymentId},
        {u"event"_s,
         QJsonObject{{u"id"_s, *id},
                     {u"at"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
                     {u"kind"_s, kind},
                     {u"message"_s, message}}}};
    for (quint64 session : m_sessionsByPublisher.value(record->publisher))
        emit notify(session, u"pod.events"_s, params);
}

Result<DeploymentRecord> PodService::ownDeployment(const Caller &caller,
                                                   const QJsonObject &params) const
{
    return deploymentFor(caller.publisher, params, false);
}

void PodService::capacity(const QJsonObject &, Reply reply)
{
    reply(QJsonObject{{u"provider"_s, m_config.provider.toChecksumString()},
                      {u"token"_s, m_config.token.toChecksumString()},
                      {u"tokenSymbol"_s, m_config.tokenSymbol},
                      {u"tokenDecimals"_s, m_config.tokenDecimals},
                      {u"prices"_s, m_config.prices.toJson(m_config.tokenDecimals)},
                      {u"minRunwaySeconds"_s, m_config.minRunwaySeconds},
                      {u"quoteValidSeconds"_s, m_config.quoteValidSeconds},
                      {u"noticeSeconds"_s, m_config.quoteNoticeSeconds},
                      {u"domain"_s, m_config.domain},
                      {u"ingress"_s, QJsonObject{{u"scheme"_s, m_config.ingressScheme},
                                                 {u"port"_s, m_config.ingressPort}}}});
}

void PodService::quote(const Caller &caller, const QJsonObject &params, Reply reply)
{
    remember(caller);
    auto name = nameParam(params);
    if (!name)
        return reply(name.error());
    auto pod = manifestParam(params);
    if (!pod)
        return reply(pod.error());
    // Not quoted when it cannot run here now (checked again when provisioning).
    if (auto fits = fitsBeside(*pod, {}); !fits)
        return reply(fits.error());
    const UInt256 rate = chain::podRate(*pod, m_config.prices);
    const QString publisher = caller.publisher.toChecksumString();
    m_channels.chainTime(this, [this, reply, rate, name = *name, pod = *pod,
                                publisher](Result<qint64> now) {
        if (!now)
            return reply(makeRpcError(RpcErrorCode::Unavailable,
                                      u"cannot read the chain's time: "_s + now.error().message));
        chain::EscrowQuote quote;
        quote.publisher = *crypto::Address::fromHex(publisher);
        quote.deploymentId = chain::EscrowQuote::deploymentIdFrom(name);
        quote.token = m_config.token;
        quote.ratePerSecond = rate;
        quote.noticePeriod = quint64(m_config.quoteNoticeSeconds);
        quote.validUntil = quint64(*now + m_config.quoteValidSeconds);
        quote.nonce = *uint256FromBigEndian(crypto::randomBytes(8));
        auto signature = quote.sign(m_signer, m_config.chainId, m_config.escrow);
        if (!signature)
            return reply(signature.error());
        const QByteArray channelId = chain::EscrowContract::channelIdOf(
            quote.publisher, m_config.provider, quote.deploymentId);
        reply(QJsonObject{{u"version"_s, QuoteDocumentVersion},
                          {u"chainId"_s, QString::number(m_config.chainId)},
                          {u"escrow"_s, m_config.escrow.toChecksumString()},
                          {u"provider"_s, m_config.provider.toChecksumString()},
                          {u"quote"_s, quote.toJson()},
                          {u"signature"_s, hexString(signature->toRsv())},
                          {u"channel"_s, hexString(channelId)},
                          {u"deployment"_s, deploymentIdFor(name, channelId)},
                          {u"perHour"_s, perHour(rate, m_config)},
                          {u"resources"_s, chain::podResources(pod).toJson()}});
    });
}

Result<QMap<QString, QMap<QString, crypto::SecretBytes>>>
PodService::openSecrets(const manifest::Pod &pod, const QJsonValue &sealed) const
{
    if (!sealed.isUndefined() && !sealed.isNull() && !sealed.isObject())
        return invalidParams(u"params.secrets must be an object {secret: {key: sealed base64}}"_s);
    const QJsonObject given = sealed.toObject();
    QMap<QString, QMap<QString, crypto::SecretBytes>> opened;
    for (auto secret = given.begin(); secret != given.end(); ++secret) {
        if (!secret->isObject())
            return invalidParams(
                u"params.secrets.%1 must be an object {key: sealed base64}"_s.arg(secret.key()));
        const QJsonObject keys = secret->toObject();
        for (auto key = keys.begin(); key != keys.end(); ++key) {
            const auto decoded = QByteArray::fromBase64Encoding(
                key->toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
            if (!key->isString() || !decoded)
                return invalidParams(u"params.secrets.%1.%2 must be base64 of a sealed box"_s.arg(
                    secret.key(), key.key()));
            auto plain = m_openSealed(*decoded);
            if (!plain)
                return makeRpcError(RpcErrorCode::InvalidParams,
                                    u"params.secrets.%1.%2: %3"_s.arg(secret.key(), key.key(),
                                                                      plain.error().message));
            opened[secret.key()].insert(key.key(), std::move(plain).value());
        }
    }
    // Every value the pod refers to must be there.
    const auto need = [&](const QString &secret, const QString &key) -> Result<void> {
        if (!opened.value(secret).contains(key))
            return invalidParams(u"the manifest uses key \"%1\" of secret \"%2\": give it sealed "
                                 "in params.secrets.%2.%1"_s.arg(key, secret));
        return {};
    };
    for (const manifest::Container &container : pod.containers)
        for (const manifest::EnvVar &env : container.env)
            if (env.secret)
                if (auto ok = need(env.secret->name, env.secret->key); !ok)
                    return ok.error();
    for (const manifest::Volume &volume : pod.volumes) {
        if (volume.kind != manifest::VolumeKind::Secret)
            continue;
        if (!opened.contains(volume.secretName))
            return invalidParams(u"the manifest mounts secret \"%1\": give its keys sealed in "
                                 "params.secrets.%1"_s.arg(volume.secretName));
        for (const manifest::SecretItem &item : volume.items)
            if (auto ok = need(volume.secretName, item.key); !ok)
                return ok.error();
    }
    return opened;
}

Result<QList<PortBinding>> PodService::assignPorts(const manifest::Pod &pod,
                                                   const QString &deploymentId,
                                                   const QJsonObject &previousSpec) const
{
    // Host ports other deployments hold.
    QSet<int> taken;
    auto all = m_store->deployments();
    if (!all)
        return all.error();
    for (const DeploymentRecord &other : std::as_const(*all)) {
        if (other.id == deploymentId || other.state == "deleted"_L1)
            continue;
        const QJsonArray ports =
            QJsonDocument::fromJson(other.specJson.toUtf8()).object().value(u"ports"_s).toArray();
        for (const QJsonValue &port : ports)
            taken.insert(port.toObject().value(u"hostPort"_s).toInt());
    }
    QHash<QString, QJsonObject> previous;
    for (const QJsonValue &port : previousSpec.value(u"ports"_s).toArray())
        previous.insert(port.toObject().value(u"name"_s).toString(), port.toObject());

    QList<PortBinding> bindings;
    for (const manifest::Port *port : portsOf(pod)) {
        const bool http = port->protocol == manifest::PortProtocol::Http;
        const QString address = http ? m_config.upstreamAddress : m_config.tcpAddress;
        const int first = http ? m_config.upstreamPortFirst : m_config.tcpPortFirst;
        const int last = http ? m_config.upstreamPortLast : m_config.tcpPortLast;
        PortBinding binding{port->name, port->containerPort, address, 0};
        const QJsonObject before = previous.value(port->name);
        const bool sameKind =
            before.value(u"protocol"_s).toString() == manifest::toString(port->protocol);
        if (!http && port->publicPort) {
            const int wanted = *port->publicPort;
            if (wanted < first || wanted > last)
                return makeRpcError(RpcErrorCode::InvalidParams,
                                    u"port %1 asks for public port %2; this provider hands out "
                                    "%3–%4"_s.arg(port->name)
                                        .arg(wanted)
                                        .arg(first)
                                        .arg(last));
            const bool ours = sameKind && before.value(u"hostPort"_s).toInt() == wanted;
            if (taken.contains(wanted) || (!ours && !canBind(address, wanted)))
                return makeRpcError(RpcErrorCode::Conflict,
                                    u"public port %1 is taken on this provider; leave publicPort "
                                    "out to get a free one"_s.arg(wanted));
            binding.hostPort = wanted;
        } else if (sameKind && before.value(u"hostPort"_s).toInt() != 0) {
            binding.hostPort = before.value(u"hostPort"_s).toInt(); // keep it across updates
        } else {
            for (int candidate = first; candidate <= last; ++candidate) {
                if (taken.contains(candidate) || !canBind(address, candidate))
                    continue;
                binding.hostPort = candidate;
                break;
            }
            if (binding.hostPort == 0)
                return makeRpcError(
                    RpcErrorCode::Unavailable,
                    u"no free host port left in %1–%2 on this provider"_s.arg(first).arg(last));
        }
        taken.insert(binding.hostPort);
        bindings.append(binding);
    }
    return bindings;
}

Result<PodService::Plan> PodService::plan(const Caller &caller, const QJsonObject &params,
                                          const QString &name,
                                          const DeploymentRecord *existing) const
{
    auto pod = manifestParam(params);
    if (!pod)
        return pod.error();
    Plan plan;
    plan.pod = *pod;
    plan.channelId = chain::EscrowContract::channelIdOf(caller.publisher, m_config.provider,
                                                        chain::EscrowQuote::deploymentIdFrom(name));
    const QString id = deploymentIdFor(name, plan.channelId);
    plan.isNew = existing == nullptr;
    if (existing) {
        plan.record = *existing;
    } else {
        plan.record.id = id;
        plan.record.publisher = caller.publisher.toChecksumString();
        plan.record.channelId = hexString(plan.channelId);
        plan.record.name = name;
    }
    plan.record.manifestJson = manifestJson(*pod);

    auto secrets = openSecrets(*pod, params.value(u"secrets"_s));
    if (!secrets)
        return secrets.error();
    plan.secrets = std::move(secrets).value();
    const bool runsBlobs =
        std::any_of(pod->containers.cbegin(), pod->containers.cend(),
                    [](const manifest::Container &c) { return !c.image.blobSha256.isEmpty(); });
    if (runsBlobs && !m_blobs)
        return makeRpcError(RpcErrorCode::InvalidParams,
                            u"this provider takes no uploaded images: name a public image"_s);
    if (runsBlobs) {
        auto images = m_blobs->imagesFor(*pod, params.value(u"images"_s));
        if (!images)
            return images.error();
        plan.images = std::move(images).value();
    }

    const QJsonObject previousSpec =
        existing ? QJsonDocument::fromJson(existing->specJson.toUtf8()).object() : QJsonObject();
    auto ports = assignPorts(*pod, id, previousSpec);
    if (!ports)
        return ports.error();
    plan.ports = *ports;

    // Host names: the generated one, then the publisher's own; none may belong
    // to another deployment.
    QHash<QString, QString> hostOwners;
    if (auto all = m_store->deployments(); all) {
        for (const DeploymentRecord &other : std::as_const(*all)) {
            if (other.id == id || other.state == "deleted"_L1)
                continue;
            const QJsonArray otherPorts = QJsonDocument::fromJson(other.specJson.toUtf8())
                                              .object()
                                              .value(u"ports"_s)
                                              .toArray();
            for (const QJsonValue &port : otherPorts)
                for (const QJsonValue &host : port.toObject().value(u"hosts"_s).toArray())
                    hostOwners.insert(host.toString(), other.id);
        }
    }
    QJsonArray specPorts;
    const auto manifestPorts = portsOf(*pod);
    for (qsizetype i = 0; i < manifestPorts.size(); ++i) {
        const manifest::Port &port = *manifestPorts.at(i);
        QStringList hosts;
        if (port.protocol == manifest::PortProtocol::Http) {
            if (!m_config.domain.isEmpty())
                hosts.append(manifestPorts.size() == 1
                                 ? u"%1.%2"_s.arg(id, m_config.domain)
                                 : u"%1-%2.%3"_s.arg(port.name, id, m_config.domain));
            for (const QString &host : port.hosts)
                hosts.append(host.toLower());
            hosts.removeDuplicates();
            for (const QString &host : std::as_const(hosts))
                if (hostOwners.contains(host))
                    return makeRpcError(RpcErrorCode::Conflict,
                                        u"host name %1 is already routed to another deployment "
                                        "on this provider"_s.arg(host));
            if (!hosts.isEmpty())
                plan.routes.append(
                    {port.name, hosts,
                     u"%1:%2"_s.arg(plan.ports.at(i).hostAddress).arg(plan.ports.at(i).hostPort)});
        }
        specPorts.append(bindingJson(plan.ports.at(i), port, hosts));
    }
    plan.record.specJson = QString::fromUtf8(
        QJsonDocument(QJsonObject{{u"ports"_s, specPorts}}).toJson(QJsonDocument::Compact));
    return plan;
}

void PodService::checkPaid(const QByteArray &channelId, const Caller &caller,
                           const manifest::Pod &pod, const QJsonValue &quote,
                           std::function<void(Result<ChannelSnapshot>)> done)
{
    PaymentRequirement need{m_config.provider,
                            caller.publisher,
                            m_config.token,
                            chain::podRate(pod, m_config.prices),
                            quint64(m_config.minRunwaySeconds),
                            m_config.tokenDecimals,
                            m_config.tokenSymbol};
    m_channels.read(
        channelId, this, [need, quote, done = std::move(done)](Result<ChannelSnapshot> snapshot) {
            if (!snapshot)
                return done(
                    makeRpcError(RpcErrorCode::Unavailable,
                                 u"cannot read the Escrow channel: "_s + snapshot.error().message));
            auto paid =
                checkChannelPays(snapshot->channel, snapshot->runway, need, snapshot->chainNow);
            if (!paid && snapshot->channel.status == chain::EscrowChannel::Status::None &&
                quote.isObject()) {
                // The publisher shows the quote it meant to open the channel with.
                const auto parsed =
                    chain::EscrowQuote::fromJson(quote.toObject().value(u"quote"_s).toObject());
                if (parsed && qint64(parsed->validUntil) < snapshot->chainNow)
                    return done(
                        makeRpcError(RpcErrorCode::QuoteExpired,
                                     u"the quote expired at unix time %1 and no channel was "
                                     "opened with it: ask for a new quote (pod.quote)"_s.arg(
                                         parsed->validUntil)));
            }
            if (!paid)
                return done(paid.error());
            done(*snapshot);
        });
}

void PodService::provision(const Caller &caller, const QJsonObject &params, Reply reply)
{
    remember(caller);
    auto name = nameParam(params);
    if (!name)
        return reply(name.error());
    const QByteArray channelId = chain::EscrowContract::channelIdOf(
        caller.publisher, m_config.provider, chain::EscrowQuote::deploymentIdFrom(*name));
    const QString id = deploymentIdFor(*name, channelId);
    if (m_inFlight.contains(id))
        return reply(
            makeRpcError(RpcErrorCode::Conflict,
                         u"deployment %1 is being changed; retry when that is done"_s.arg(id)));
    auto existing = m_store->deployment(id);
    const bool live = existing && existing->state != "deleted"_L1;
    auto planned = plan(caller, params, *name, live ? &*existing : nullptr);
    if (!planned)
        return reply(planned.error());
    if (live && existing->state == "running"_L1) {
        // Idempotent by deployment id: the same manifest again is answered as it is.
        if (existing->manifestJson == planned->record.manifestJson)
            return reply(describe(*existing));
        return reply(
            makeRpcError(RpcErrorCode::Conflict,
                         u"deployment %1 already runs another manifest: use pod.update"_s.arg(id)));
    }
    auto shared = std::make_shared<Plan>(std::move(planned).value());
    if (existing && !live)
        shared->isNew = false; // a deleted deployment of the same name comes back
    m_inFlight.insert(id);
    checkPaid(channelId, caller, shared->pod, params.value(u"quote"_s),
              [this, shared, reply](Result<ChannelSnapshot> paid) {
                  if (!paid) {
                      m_inFlight.remove(shared->record.id);
                      return reply(paid.error());
                  }
                  shared->record.state = u"provisioning"_s;
                  const auto saved = shared->isNew ? m_store->insertDeployment(shared->record)
                                                   : m_store->updateDeployment(shared->record);
                  if (!saved) {
                      m_inFlight.remove(shared->record.id);
                      return reply(saved.error());
                  }
                  recordEvent(
                      shared->record.id, u"provisioning"_s,
                      u"paid by channel %1 for %2 more"_s.arg(
                          shared->record.channelId,
                          chain::formatDuration(quint64(
                              qMin(paid->runway, UInt256(std::numeric_limits<quint32>::max()))))));
                  // Checked again now that it is paid: others may have come since the quote.
                  if (auto fits = fitsBeside(shared->pod, shared->record.id); !fits)
                      return failed(shared, reply, fits.error());
                  apply(shared, reply);
              });
}

void PodService::update(const Caller &caller, const QJsonObject &params, Reply reply)
{
    remember(caller);
    auto existing = ownDeployment(caller, params);
    if (!existing)
        return reply(existing.error());
    if (m_inFlight.contains(existing->id))
        return reply(makeRpcError(
            RpcErrorCode::Conflict,
            u"deployment %1 is being changed; retry when that is done"_s.arg(existing->id)));
    auto planned = plan(caller, params, existing->name, &*existing);
    if (!planned)
        return reply(planned.error());
    if (auto fits = fitsBeside(planned->pod, existing->id); !fits)
        return reply(fits.error());
    auto shared = std::make_shared<Plan>(std::move(planned).value());
    shared->verb = u"updated"_s;
    m_inFlight.insert(existing->id);
    checkPaid(shared->channelId, caller, shared->pod, QJsonValue(),
              [this, shared, reply](Result<ChannelSnapshot> paid) {
                  if (!paid) {
                      m_inFlight.remove(shared->record.id);
                      return reply(paid.error());
                  }
                  recordEvent(shared->record.id, u"updating"_s, u"applying a new manifest"_s);
                  apply(shared, reply);
              });
}

void PodService::apply(std::shared_ptr<Plan> plan, Reply reply)
{
    RuntimeSpec spec;
    spec.deploymentId = plan->record.id;
    spec.pod = plan->pod;
    spec.ports = plan->ports;
    spec.secrets = std::move(plan->secrets);
    spec.stopGraceSeconds = m_config.stopGraceSeconds;
    const QString id = plan->record.id;
    spec.whenReplacedStopped = logCollector(id); // the replaced pod's last lines
    const QList<IngressRoute> routes = plan->routes;
    const QList<BlobImage> images = plan->images;
    const BlobService *blobs = m_blobs;
    m_worker->run<QJsonValue>(
        [spec = std::move(spec), routes, images, blobs](Runtime &runtime,
                                                        Ingress &ingress) -> Result<QJsonValue> {
            // Uploaded images: decrypted into a temporary archive only while Podman loads it.
            for (const BlobImage &image : images) {
                // A blob named by URL is fetched (and its key checked) first,
                // also when its image is loaded already.
                if (!image.url.isEmpty())
                    if (auto fetched = blobs->fetchIfMissing(image); !fetched)
                        return fetched.error();
                auto present = runtime.hasImage(image.imageName);
                if (!present)
                    return present.error();
                if (*present)
                    continue;
                auto archive = blobs->decryptToTemp(image);
                if (!archive)
                    return archive.error();
                auto loaded = runtime.loadImage(*archive, image.imageName);
                QFile::remove(*archive);
                if (!loaded)
                    return loaded.error();
            }
            for (const manifest::Container &container : spec.pod.containers) {
                if (!container.image.blobSha256.isEmpty())
                    continue; // loaded from its uploaded blob before this job
                auto present = runtime.hasImage(container.image.reference);
                if (!present)
                    return present.error();
                if (!*present)
                    if (auto pulled = runtime.pullImage(container.image.reference); !pulled)
                        return pulled.error();
            }
            if (auto applied = runtime.apply(spec); !applied)
                return applied.error();
            if (auto routed = ingress.setRoutes(spec.deploymentId, routes); !routed) {
                // Never leave a pod running that the publisher cannot reach as asked.
                (void)runtime.remove(spec.deploymentId, false);
                return routed.error();
            }
            return QJsonValue();
        },
        this,
        [this, plan, reply, id](Result<QJsonValue> done) {
            if (!done)
                return failed(plan, reply, done.error());
            m_inFlight.remove(id);
            plan->record.state = u"running"_s;
            if (auto saved = m_store->updateDeployment(plan->record); !saved)
                return reply(saved.error());
            recordEvent(id, u"running"_s, u"%1 and running"_s.arg(plan->verb));
            qCInfo(lcPods).noquote() << id << plan->verb;
            reply(describe(plan->record));
        });
}

void PodService::failed(const std::shared_ptr<Plan> &plan, const Reply &reply, const Error &error)
{
    const QString id = plan->record.id;
    m_inFlight.remove(id);
    plan->record.state = u"failed"_s;
    (void)m_store->updateDeployment(plan->record);
    recordEvent(id, u"failed"_s, error.message);
    qCWarning(lcPods).noquote() << id << "failed:" << error.message;
    auto events = m_store->events(id);
    if (plan->verb != u"provisioned" || !events || !neverRanAndFailed(*events))
        return reply(error);
    // Nothing ran on this channel: the publisher gets its deposit back.
    emit neverRan(id, plan->record.channelId);
    const RpcError rpc = toRpcError(error);
    QJsonObject data = rpc.data.toObject();
    data.insert(u"refunding"_s, plan->record.channelId);
    reply(makeRpcError(rpc.code,
                       rpc.message + u" (the pod never ran: the provider refunds channel %1)"_s.arg(
                                         plan->record.channelId),
                       data));
}

Result<void> PodService::fitsBeside(const manifest::Pod &pod, const QString &replacing) const
{
    auto deployments = m_store->deployments();
    if (!deployments)
        return deployments.error();
    return checkFits(chain::podResources(pod), resourcesInUse(*deployments, replacing),
                     m_config.capacity);
}

void PodService::remove(const Caller &caller, const QJsonObject &params, Reply reply)
{
    remember(caller);
    auto existing = ownDeployment(caller, params);
    if (!existing)
        return reply(existing.error());
    const QString id = existing->id;
    if (m_inFlight.contains(id))
        return reply(
            makeRpcError(RpcErrorCode::Conflict,
                         u"deployment %1 is being changed; retry when that is done"_s.arg(id)));
    m_inFlight.insert(id);
    recordEvent(id, u"deleting"_s, u"deleting the pod, its volumes and its routes"_s);
    const auto keepLogs = logCollector(id);
    m_worker->run<QJsonValue>(
        [id, keepLogs](Runtime &runtime, Ingress &ingress) -> Result<QJsonValue> {
            if (auto routes = ingress.removeRoutes(id); !routes)
                return routes.error();
            if (keepLogs) {
                // Stopped first: what the containers print while stopping is kept.
                (void)runtime.stop(id);
                keepLogs(runtime);
            }
            if (auto removed = runtime.remove(id, true); !removed)
                return removed.error();
            return QJsonValue();
        },
        this,
        [this, id, reply](Result<QJsonValue> done) {
            m_inFlight.remove(id);
            if (!done) {
                recordEvent(id, u"failed"_s, u"delete failed: "_s + done.error().message);
                return reply(done.error());
            }
            if (auto saved = m_store->setDeploymentState(id, u"deleted"_s); !saved)
                return reply(saved.error());
            recordEvent(id, u"deleted"_s, u"pod, volumes and routes removed"_s);
            reply(QJsonObject{{u"deployment"_s, id}, {u"state"_s, u"deleted"_s}});
        });
}

void PodService::stopUnpaid(const QString &deploymentId, const QString &reason,
                            std::function<void(Result<void>)> done)
{
    if (m_inFlight.contains(deploymentId)) {
        if (done)
            done(Error(ErrorCode::Conflict, u"deployment is being changed"_s));
        return;
    }
    m_inFlight.insert(deploymentId);
    const auto keepLogs = logCollector(deploymentId);
    m_worker->run<QJsonValue>(
        [deploymentId, keepLogs](Runtime &runtime, Ingress &ingress) -> Result<QJsonValue> {
            if (auto routes = ingress.removeRoutes(deploymentId); !routes)
                return routes.error();
            if (keepLogs) {
                (void)runtime.stop(deploymentId);
                keepLogs(runtime);
            }
            if (auto removed = runtime.remove(deploymentId, false); !removed)
                return removed.error();
            return QJsonValue();
        },
        this,
        [this, deploymentId, reason, done](Result<QJsonValue> result) {
            m_inFlight.remove(deploymentId);
            if (!result) {
                recordEvent(deploymentId, u"failed"_s,
                            u"stopping failed: "_s + result.error().message);
                if (done)
                    done(result.error());
                return;
            }
            (void)m_store->setDeploymentState(deploymentId, u"stopped"_s);
            recordEvent(deploymentId, u"stopped"_s, reason);
            if (done)
                done({});
        });
}

QJsonObject PodService::describe(const DeploymentRecord &record) const
{
    QJsonArray endpoints;
    const QJsonArray ports =
        QJsonDocument::fromJson(record.specJson.toUtf8()).object().value(u"ports"_s).toArray();
    for (const QJsonValue &value : ports) {
        const QJsonObject port = value.toObject();
        QJsonObject endpoint{{u"port"_s, port.value(u"name"_s)},
                             {u"protocol"_s, port.value(u"protocol"_s)}};
        if (port.value(u"protocol"_s).toString() == "http"_L1)
            endpoint.insert(u"hosts"_s, port.value(u"hosts"_s));
        else
            endpoint.insert(u"address"_s, u"%1:%2"_s.arg(port.value(u"hostAddress"_s).toString())
                                              .arg(port.value(u"hostPort"_s).toInt()));
        endpoints.append(endpoint);
    }
    return QJsonObject{{u"deployment"_s, record.id},
                       {u"name"_s, record.name},
                       {u"channel"_s, record.channelId},
                       {u"state"_s, record.state},
                       {u"endpoints"_s, endpoints},
                       {u"createdAt"_s, record.createdAt.toString(Qt::ISODate)},
                       {u"updatedAt"_s, record.updatedAt.toString(Qt::ISODate)}};
}

void PodService::status(const Caller &caller, const QJsonObject &params, Reply reply)
{
    remember(caller);
    QList<DeploymentRecord> records;
    if (params.contains(u"deployment"_s)) {
        auto one = ownDeployment(caller, params);
        if (!one)
            return reply(one.error());
        records.append(*one);
    } else {
        auto all = m_store->deployments();
        if (!all)
            return reply(all.error());
        const QString publisher = caller.publisher.toChecksumString();
        for (const DeploymentRecord &record : std::as_const(*all))
            if (record.publisher == publisher && record.state != "deleted"_L1)
                records.append(record);
    }
    QStringList ids;
    for (const DeploymentRecord &record : std::as_const(records))
        ids.append(record.id);
    m_worker->run<QJsonValue>(
        [ids](Runtime &runtime, Ingress &) -> Result<QJsonValue> {
            QJsonObject byId;
            for (const QString &id : ids) {
                auto status = runtime.status(id);
                if (!status)
                    return status.error();
                QJsonArray containers;
                for (const ContainerStatus &c : std::as_const(status->containers)) {
                    QJsonObject container{
                        {u"name"_s, c.name}, {u"state"_s, c.state}, {u"restarts"_s, c.restarts}};
                    if (c.exitCode)
                        container.insert(u"exitCode"_s, *c.exitCode);
                    if (c.healthy)
                        container.insert(u"healthy"_s, *c.healthy);
                    if (c.startedAt.isValid())
                        container.insert(u"startedAt"_s, c.startedAt.toString(Qt::ISODate));
                    containers.append(container);
                }
                byId.insert(id, QJsonObject{{u"runtime"_s, status->state},
                                            {u"restarts"_s, status->restarts()},
                                            {u"containers"_s, containers}});
            }
            return QJsonValue(byId);
        },
        this,
        [this, records, reply,
         single = params.contains(u"deployment"_s)](Result<QJsonValue> runtime) {
            if (!runtime)
                return reply(runtime.error());
            QJsonArray list;
            for (const DeploymentRecord &record : records) {
                QJsonObject entry = describe(record);
                const QJsonObject live = runtime->toObject().value(record.id).toObject();
                for (auto it = live.begin(); it != live.end(); ++it)
                    entry.insert(it.key(), it.value());
                list.append(entry);
            }
            if (single)
                return reply(list.first());
            reply(QJsonObject{{u"deployments"_s, list}});
        });
}

void PodService::events(const Caller &caller, const QJsonObject &params, Reply reply)
{
    remember(caller);
    auto record = ownDeployment(caller, params);
    if (!record)
        return reply(record.error());
    const qint64 after = params.value(u"after"_s).toInteger(0);
    auto events = m_store->events(record->id);
    if (!events)
        return reply(events.error());
    QJsonArray list;
    for (const EventRecord &event : std::as_const(*events)) {
        if (event.id <= after)
            continue;
        list.append(QJsonObject{{u"id"_s, event.id},
                                {u"at"_s, event.at.toString(Qt::ISODateWithMs)},
                                {u"kind"_s, event.kind},
                                {u"message"_s, event.message}});
    }
    while (list.size() > MaxEvents)
        list.removeFirst();
    reply(QJsonObject{{u"deployment"_s, record->id}, {u"events"_s, list}});
}

} // namespace berth::provider
