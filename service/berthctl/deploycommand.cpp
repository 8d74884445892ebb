#include "deploycommand.h"

#include "chain/escrowcontract.h"
#include "chain/priceunits.h"
#include "chaincommandline.h"
#include "cliwait.h"
#include "commandoutput.h"
#include "core/hex.h"
#include "escrowcommand.h"
#include "manifest/limits.h"
#include "manifest/manifestcodec.h"
#include "manifest/pod.h"
#include "podimages.h"
#include "protocol/protocolclient.h"
#include "protocol/rpcerror.h"
#include "providerselection.h"
#include "publisher/secretvalues.h"
#include "publishersession.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace berth::cli {

using chain::EscrowChannel;
using chain::EscrowContract;
using publisher::DeploymentEntry;
using publisher::ProviderConnection;

namespace {

constexpr quint64 DefaultDepositSeconds = 24 * 3600;
constexpr int DefaultReadySeconds = 120;
// How long deploy waits for a provider to refund a channel whose pod never ran.
constexpr int RefundWaitSeconds = 120;

struct LoadedManifest
{
    manifest::Pod pod;
    QByteArray text;
};

Result<LoadedManifest> loadManifestFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error(ErrorCode::NotFound,
                     u"cannot read the manifest %1: %2"_s.arg(path, file.errorString()));
    const QByteArray text = file.read(manifest::limits::MaxFileBytes + 1);
    const manifest::ParseResult loaded = manifest::loadManifest(text);
    if (!loaded.ok()) {
        QStringList problems;
        for (const auto &d : loaded.diagnostics)
            if (d.severity == manifest::Severity::Error)
                problems << manifest::formatDiagnostic(path, d);
        return Error(ErrorCode::ValidationFailed,
                     u"the manifest has problems (nothing was paid or sent):\n  "_s +
                         problems.join(u"\n  "_s));
    }
    return LoadedManifest{loaded.pod, text};
}

// --secret NAME.KEY=@FILE|env:VAR, repeated.
Result<publisher::SecretValues> secretsFrom(const QCommandLineParser &parser)
{
    publisher::SecretValues values;
    for (const QString &spec : parser.values(u"secret"_s))
        if (auto added = values.add(spec); !added)
            return added.error();
    return values;
}

void addSecretOption(QCommandLineParser &parser)
{
    parser.addOption({u"secret"_s,
                      u"A secret value the manifest uses: NAME.KEY=@FILE or NAME.KEY=env:VARIABLE "
                      u"(repeat; sealed to the provider, never stored)."_s,
                      u"spec"_s});
}

// The URLs of an HTTP endpoint through the provider's ingress.
QJsonArray urlsOf(const QJsonObject &endpoint, const QJsonObject &ingress)
{
    QJsonArray urls;
    if (endpoint.value(u"protocol"_s).toString() != u"http")
        return urls;
    const QString scheme = ingress.value(u"scheme"_s).toString(u"https"_s);
    const int port = ingress.value(u"port"_s).toInt();
    for (const QJsonValue &host : endpoint.value(u"hosts"_s).toArray())
        urls.append(u"%1://%2%3/"_s.arg(scheme, host.toString(),
                                        port > 0 ? u":"_s + QString::number(port) : QString()));
    return urls;
}

// Polls pod.status until every container runs (and passes its health check,
// when it has one), or the deadline passes.
Result<QJsonObject> waitUntilReady(PublisherSession &session, ProviderConnection &connection,
                                   const QString &deployment, int seconds)
{
    session.progress(u"Waiting for %1 to be ready…"_s.arg(deployment));
    QDeadlineTimer deadline(qint64(seconds) * 1000);
    QString last;
    for (;;) {
        auto status =
            PublisherSession::call(connection, u"pod.status"_s, {{u"deployment"_s, deployment}});
        if (!status)
            return status.error();
        const QJsonObject s = status->toObject();
        bool healthy = s.value(u"runtime"_s).toString() == u"running";
        for (const QJsonValue &c : s.value(u"containers"_s).toArray())
            if (c.toObject().value(u"healthy"_s) == QJsonValue(false))
                healthy = false;
        if (healthy)
            return s;
        last = s.value(u"runtime"_s).toString();
        if (deadline.hasExpired())
            return Error(ErrorCode::Timeout,
                         u"%1 was not ready after %2 s (its pod is %3): see `berthctl events` "
                         u"and `berthctl logs` for why"_s.arg(deployment)
                             .arg(seconds)
                             .arg(last));
        cli::pauseFor(500);
    }
}

// Asks Escrow to close a channel this run opened for a pod that never ran.
void closeUnused(PublisherSession &session, const QByteArray &channelId)
{
    ChainSession &s = session.chain();
    auto escrow = s.contract(u"Escrow"_s);
    if (!escrow)
        return;
    auto tx = EscrowContract(*escrow).onChannel(u"requestClose"_s, channelId);
    if (!tx)
        return;
    if (auto sent = s.send(*tx); !sent)
        s.io().err << "berthctl: could not ask to close channel " << hexString(channelId) << ": "
                   << sent.error().message << "\n";
}

// What deploy says when pod.provision failed once the channel paid. A provider
// whose pod never ran refunds the channel by itself (its error names the
// channel in data.refunding): that is waited for. Otherwise a channel this run
// opened is asked to close, which pays its notice period.
Error provisionFailed(PublisherSession &session, DeploymentEntry &entry, const Error &failed,
                      bool openedHere)
{
    ChainSession &s = session.chain();
    const bool refunding =
        !protocol::toRpcError(failed).data.toObject().value(u"refunding"_s).toString().isEmpty();
    auto escrow = s.contract(u"Escrow"_s);
    if (refunding && escrow) {
        session.progress(
            u"Waiting for the provider to refund channel %1…"_s.arg(hexString(entry.channelId)));
        QDeadlineTimer deadline(RefundWaitSeconds * 1000);
        while (!deadline.hasExpired()) {
            auto channel = readChannel(s, *escrow, entry.channelId);
            if (channel && channel->status == EscrowChannel::Status::Settled) {
                entry.state = u"refunded"_s;
                (void)session.store().saveDeployment(entry);
                if (auto known = session.store().channel(session.chainId(), entry.channelId);
                    known && *known) {
                    publisher::ChannelEntry settled = **known;
                    settled.state = u"settled"_s;
                    settled.refund = toDecimalString(channel->deposit - channel->claimed);
                    (void)session.store().saveChannel(settled);
                }
                return Error(failed.code,
                             failed.message +
                                 u"; %1 came back to you and nothing was paid: fix the cause and "
                                 u"run `berthctl deploy` again"_s.arg(
                                     s.tokens(channel->deposit - channel->claimed)));
            }
            pauseFor(1000);
        }
    }
    if (!openedHere)
        return failed;
    closeUnused(session, entry.channelId);
    return Error(failed.code,
                 failed.message +
                     u" (the channel was asked to close: settle it with "
                     u"`berthctl delete %1` after its notice period)"_s.arg(entry.name));
}

struct Prepared
{
    QByteArray manifest; // as sent: local images replaced by their blobs
    QJsonObject secrets;
    QJsonObject images;
};

// What pod.provision and pod.update carry besides the name: the manifest with
// local images pushed, the secrets and image keys sealed to this provider.
Result<Prepared> prepareFor(PublisherSession &session, ProviderConnection &connection,
                            const LoadedManifest &loaded, const publisher::SecretValues &secrets)
{
    Prepared out;
    manifest::Pod pod = loaded.pod;
    auto images = pushImages(session, connection, pod);
    if (!images)
        return images.error();
    out.images = *images;
    out.manifest = pod == loaded.pod ? loaded.text
                                     : manifest::writeManifest(pod, manifest::ManifestFormat::Yaml);
    auto sealed = secrets.sealFor(pod, connection.attestation().x25519PublicKey);
    if (!sealed)
        return sealed.error();
    out.secrets = *sealed;
    return out;
}

QJsonObject provisionParams(const Prepared &prepared)
{
    QJsonObject params{{u"manifest"_s, QString::fromUtf8(prepared.manifest)}};
    if (!prepared.secrets.isEmpty())
        params.insert(u"secrets"_s, prepared.secrets);
    if (!prepared.images.isEmpty())
        params.insert(u"images"_s, prepared.images);
    return params;
}

// The deposit: --deposit, --duration, or a day at the quoted rate.
Result<UInt256> depositFrom(ChainSession &s, const QCommandLineParser &parser, const UInt256 &rate)
{
    if (!parser.isSet(u"deposit"_s) && !parser.isSet(u"duration"_s))
        return depositFor(rate, DefaultDepositSeconds);
    return amountFromOptions(s, parser, u"deposit"_s, rate);
}

int finishDeployment(CommandContext &context, PublisherSession &session,
                     ProviderConnection &connection, DeploymentEntry entry, int readySeconds,
                     CommandOutput &out, const QString &verb)
{
    auto ready = waitUntilReady(session, connection, entry.deploymentId, readySeconds);
    if (!ready) {
        entry.state = u"failed"_s;
        (void)session.store().saveDeployment(entry); // the error below matters more
        return context.fail(ready.error());
    }
    entry.state = u"running"_s;
    entry.endpoints = ready->value(u"endpoints"_s).toArray();
    if (auto saved = session.store().saveDeployment(entry); !saved)
        return context.fail(saved.error());
    auto capacity = capacityOf(connection);
    const QJsonObject ingress = capacity ? capacity->value(u"ingress"_s).toObject() : QJsonObject();
    out.line(u"%1 %2 on provider %3 (deployment %4)"_s.arg(
        entry.name, verb, entry.provider.toChecksumString(), entry.deploymentId));
    out.field(u"name"_s, entry.name);
    out.field(u"provider"_s, entry.provider.toChecksumString());
    out.field(u"deployment"_s, entry.deploymentId);
    out.field(u"channel"_s, hexString(entry.channelId));
    out.field(u"state"_s, entry.state);
    out.field(u"endpoints"_s, describeEndpoints(out, entry.endpoints, ingress));
    out.print();
    return ExitOk;
}

} // namespace

// Endpoints with their URLs, as text lines and JSON.
QJsonArray describeEndpoints(CommandOutput &out, const QJsonArray &endpoints,
                             const QJsonObject &ingress)
{
    QJsonArray described;
    for (const QJsonValue &value : endpoints) {
        QJsonObject endpoint = value.toObject();
        const QJsonArray urls = urlsOf(endpoint, ingress);
        if (!urls.isEmpty())
            endpoint.insert(u"urls"_s, urls);
        described.append(endpoint);
        const QString port = endpoint.value(u"port"_s).toString();
        if (!urls.isEmpty()) {
            for (const QJsonValue &url : urls)
                out.line(u"  %1  %2"_s.arg(port, url.toString()));
        } else if (endpoint.contains(u"address"_s)) {
            out.line(u"  %1  tcp %2"_s.arg(port, endpoint.value(u"address"_s).toString()));
        } else {
            out.line(u"  %1  %2"_s.arg(
                port, QString::fromUtf8(QJsonDocument(endpoint).toJson(QJsonDocument::Compact))));
        }
    }
    return described;
}

Result<QJsonObject> capacityOf(ProviderConnection &connection)
{
    auto capacity = PublisherSession::call(connection, u"provider.capacity"_s, {});
    if (!capacity)
        return capacity.error();
    return capacity->toObject();
}

int runDeployCommand(CommandContext &context)
{
    ChainCommandLine c;
    QCommandLineParser &p = c.parser;
    p.addOption({u"name"_s, u"The deployment's name (default: the manifest's metadata.name)."_s,
                 u"name"_s});
    p.addOption({u"provider"_s, u"The provider: its address or wss:// URL."_s, u"provider"_s});
    p.addOption({u"select"_s,
                 u"Choose the cheapest registered provider that matches, e.g. "
                 u"'region=eu,max-price=0.5/h,min-stake=100,attr.tier=gold'."_s,
                 u"criteria"_s});
    p.addOption(
        {u"deposit"_s, u"Tokens to escrow (default: a day at the quoted rate)."_s, u"amount"_s});
    p.addOption(
        {u"duration"_s, u"Escrow enough for this long at the quoted rate (7d)."_s, u"duration"_s});
    p.addOption({u"ready-timeout"_s, u"Seconds to wait for the pod to be ready (default 120)."_s,
                 u"seconds"_s, QString::number(DefaultReadySeconds)});
    addSecretOption(p);
    if (!c.parse(context, u"deploy"_s,
                 u"Deploys a manifest to a provider: checks the provider's attestation, gets its "
                 u"quote, opens the Escrow channel, pushes local images, seals the secrets, "
                 u"provisions and waits until the pod is ready."_s,
                 true, u"FILE"_s))
        return c.exitCode;
    ChainSession &s = *c.session;
    if (p.positionalArguments().size() != 1)
        return context.usageError(u"give the manifest FILE"_s, u"deploy"_s);
    if (p.isSet(u"provider"_s) == p.isSet(u"select"_s))
        return context.usageError(u"choose the provider with --provider ADDRESS|URL or "
                                  u"--select CRITERIA (one of them)"_s,
                                  u"deploy"_s);
    auto secrets = secretsFrom(p);
    if (!secrets)
        return context.usageError(secrets.error().message, u"deploy"_s);
    auto loaded = loadManifestFile(p.positionalArguments().first());
    if (!loaded)
        return context.fail(loaded.error());
    const QString name =
        p.value(u"name"_s).isEmpty() ? loaded->pod.metadata.name : p.value(u"name"_s);
    static const QRegularExpression validName(u"^[a-z0-9]([a-z0-9-]{0,29}[a-z0-9])?$"_s);
    if (!validName.match(name).hasMatch())
        return context.usageError(
            u"the deployment name \"%1\" must be 1-31 of a-z, 0-9 and '-', starting and ending "
            u"with a letter or digit: give one with --name"_s.arg(name),
            u"deploy"_s);

    auto opened = PublisherSession::open(s, u"deploy"_s);
    if (!opened)
        return context.fail(opened.error());
    PublisherSession &session = **opened;
    auto existing = session.store().deployment(session.chainId(), session.publisher(), name);
    if (!existing)
        return context.fail(existing.error());
    if (*existing && (*existing)->state != u"deleted" && (*existing)->state != u"settled" &&
        (*existing)->state != u"closing" && (*existing)->state != u"refunded")
        return context.fail(Error(
            ErrorCode::Conflict,
            u"\"%1\" is deployed already (on %2, %3): change it with `berthctl update %1 FILE`, "
            u"or deploy under another --name"_s.arg(name, (*existing)->provider.toChecksumString(),
                                                    (*existing)->state)));

    // The provider: named, or the cheapest that matches.
    QString chosen = p.value(u"provider"_s);
    if (p.isSet(u"select"_s)) {
        auto selected = selectProvider(session, p.value(u"select"_s), loaded->pod);
        if (!selected)
            return context.fail(selected.error());
        chosen = *selected;
    }
    auto connected = session.connect(chosen);
    if (!connected)
        return context.fail(connected.error());
    ProviderConnection &connection = **connected;

    // Everything that can fail before paying is done before paying.
    auto prepared = prepareFor(session, connection, *loaded, *secrets);
    if (!prepared)
        return context.fail(prepared.error());
    session.progress(u"Asking %1 for a quote…"_s.arg(connection.provider().toChecksumString()));
    auto quoted = PublisherSession::call(
        connection, u"pod.quote"_s,
        {{u"name"_s, name}, {u"manifest"_s, QString::fromUtf8(prepared->manifest)}});
    if (!quoted)
        return context.fail(quoted.error());
    const QJsonObject quoteJson = quoted->toObject();
    auto document = quoteDocumentFromJson(quoteJson, s);
    if (!document)
        return context.fail(document.error());
    if (document->provider != connection.provider())
        return context.fail(
            Error(ErrorCode::AuthFailed, u"the quote names provider %1, not %2 that gave it"_s.arg(
                                             document->provider.toChecksumString(),
                                             connection.provider().toChecksumString())));
    const QByteArray channelId = EscrowContract::channelIdOf(
        session.publisher(), document->provider, document->quote.deploymentId);

    DeploymentEntry entry;
    entry.chainId = session.chainId();
    entry.publisher = session.publisher();
    entry.name = name;
    entry.provider = connection.provider();
    entry.endpoint = connection.endpoint().toString();
    entry.deploymentId = quoteJson.value(u"deployment"_s).toString();
    entry.channelId = channelId;
    entry.manifest = prepared->manifest;
    entry.state = u"opening"_s;
    if (auto saved = session.store().saveDeployment(entry); !saved)
        return context.fail(saved.error());

    // The channel: one that is open for this name already pays; else open one.
    auto escrow = s.contract(u"Escrow"_s);
    if (!escrow)
        return context.fail(escrow.error());
    bool openedHere = false;
    auto current = readChannel(s, *escrow, channelId);
    if (current && current->status == EscrowChannel::Status::Open && current->stopAt == 0) {
        session.progress(u"Channel %1 is open already; using it."_s.arg(hexString(channelId)));
    } else if (current && current->status == EscrowChannel::Status::Open) {
        return context.fail(
            Error(ErrorCode::Conflict,
                  u"channel %1 for \"%2\" on this provider is closing: settle it after it stops "
                  u"(`berthctl escrow settle %1`), or deploy under another --name"_s.arg(
                      hexString(channelId), name)));
    } else {
        auto deposit = depositFrom(s, p, document->quote.ratePerSecond);
        if (!deposit)
            return context.usageError(deposit.error().message, u"deploy"_s);
        session.progress(u"Opening channel %1 with %2 (%3 %4/hour)…"_s.arg(
            hexString(channelId), s.tokens(*deposit),
            chain::tokensPerPeriod(document->quote.ratePerSecond, s.profile().tokenDecimals,
                                   chain::PricePeriod::Hour),
            s.profile().tokenSymbol));
        auto channel = openChannel(s, *document, *deposit);
        if (!channel)
            return context.fail(channel.error());
        openedHere = true;
        if (auto saved = session.store().saveChannel(
                publisher::ChannelEntry{session.chainId(),
                                        channelId,
                                        session.publisher(),
                                        connection.provider(),
                                        name,
                                        toDecimalString(document->quote.ratePerSecond),
                                        toDecimalString(*deposit),
                                        u"open"_s,
                                        0,
                                        {},
                                        {}});
            !saved)
            return context.fail(saved.error());
    }

    entry.state = u"provisioning"_s;
    if (auto saved = session.store().saveDeployment(entry); !saved)
        return context.fail(saved.error());
    session.progress(u"Provisioning %1…"_s.arg(entry.deploymentId));
    QJsonObject params = provisionParams(*prepared);
    params.insert(u"name"_s, name);
    params.insert(u"quote"_s, quoteJson);
    auto provisioned = PublisherSession::call(connection, u"pod.provision"_s, params);
    if (!provisioned) {
        entry.state = u"failed"_s;
        (void)session.store().saveDeployment(entry); // the error below matters more
        return context.fail(provisionFailed(session, entry, provisioned.error(), openedHere));
    }
    CommandOutput out(context, s.json());
    out.field(u"perHour"_s, quoteJson.value(u"perHour"_s));
    out.line(u"Paying %1 through channel %2"_s.arg(quoteJson.value(u"perHour"_s).toString(),
                                                   hexString(channelId)));
    return finishDeployment(context, session, connection, entry,
                            p.value(u"ready-timeout"_s).toInt(), out, u"is running"_s);
}

int runUpdateCommand(CommandContext &context)
{
    ChainCommandLine c;
    c.parser.addOption({u"ready-timeout"_s,
                        u"Seconds to wait for the pod to be ready (default 120)."_s, u"seconds"_s,
                        QString::number(DefaultReadySeconds)});
    addSecretOption(c.parser);
    if (!c.parse(context, u"update"_s,
                 u"Runs a new manifest for a deployment on the same provider and channel "
                 u"(persistent volumes are kept; give the secrets again)."_s,
                 true, u"NAME FILE"_s))
        return c.exitCode;
    if (c.parser.positionalArguments().size() != 2)
        return context.usageError(u"give the deployment NAME and the manifest FILE"_s, u"update"_s);
    auto secrets = secretsFrom(c.parser);
    if (!secrets)
        return context.usageError(secrets.error().message, u"update"_s);
    auto loaded = loadManifestFile(c.parser.positionalArguments().at(1));
    if (!loaded)
        return context.fail(loaded.error());
    auto opened =
        PublisherSession::openFor(*c.session, u"update"_s, c.parser.positionalArguments().first());
    if (!opened)
        return context.fail(opened.error());
    PublisherSession &session = *opened->session;
    DeploymentEntry entry = opened->entry;
    auto connected = session.connect(entry);
    if (!connected)
        return context.fail(connected.error());
    auto prepared = prepareFor(session, **connected, *loaded, *secrets);
    if (!prepared)
        return context.fail(prepared.error());
    QJsonObject params = provisionParams(*prepared);
    params.insert(u"deployment"_s, entry.deploymentId);
    session.progress(u"Updating %1…"_s.arg(entry.deploymentId));
    auto updated = PublisherSession::call(**connected, u"pod.update"_s, params);
    if (!updated)
        return context.fail(updated.error());
    entry.manifest = prepared->manifest;
    CommandOutput out(context, c.session->json());
    return finishDeployment(context, session, **connected, entry,
                            c.parser.value(u"ready-timeout"_s).toInt(), out, u"is updated"_s);
}

int runDeleteCommand(CommandContext &context)
{
    ChainCommandLine c;
    if (!c.parse(context, u"delete"_s,
                 u"Deletes a deployment: the provider removes its pod, volumes and secrets, and "
                 u"the channel is asked to close (its notice period is paid). Run it again once "
                 u"the channel has stopped to settle it and get the rest of the deposit back."_s,
                 true, u"NAME"_s))
        return c.exitCode;
    if (c.parser.positionalArguments().size() != 1)
        return context.usageError(u"give the deployment NAME"_s, u"delete"_s);
    ChainSession &s = *c.session;
    auto opened = PublisherSession::openFor(s, u"delete"_s, c.parser.positionalArguments().first());
    if (!opened)
        return context.fail(opened.error());
    PublisherSession &session = *opened->session;
    DeploymentEntry entry = opened->entry;
    CommandOutput out(context, s.json());
    out.field(u"name"_s, entry.name);
    if (entry.state != u"deleted" && entry.state != u"closing" && entry.state != u"settled") {
        auto connected = session.connect(entry);
        if (!connected)
            return context.fail(connected.error());
        auto deleted = PublisherSession::call(**connected, u"pod.delete"_s,
                                              {{u"deployment"_s, entry.deploymentId}});
        if (!deleted && deleted.error().code != ErrorCode::NotFound)
            return context.fail(deleted.error());
        entry.state = u"deleted"_s;
        if (auto saved = session.store().saveDeployment(entry); !saved)
            return context.fail(saved.error());
        out.line(u"Deleted %1 on %2."_s.arg(entry.deploymentId, entry.provider.toChecksumString()));
    }
    auto escrow = s.contract(u"Escrow"_s);
    if (!escrow)
        return context.fail(escrow.error());
    auto view = viewChannel(s, *escrow, entry.channelId);
    if (!view)
        return context.fail(view.error());
    const QString state = channelState(*view);
    QString function, done;
    if (state == u"open") {
        function = u"requestClose"_s;
        done = u"Close requested."_s;
        entry.state = u"closing"_s;
    } else if (state == u"stopped") {
        function = u"settle"_s;
        done = u"Settled."_s;
        entry.state = u"settled"_s;
    }
    if (function.isEmpty()) {
        if (state == u"stopping")
            out.line(u"The channel stops at %1 (UTC): run `berthctl delete %2` again then to "
                     u"settle it."_s.arg(
                         QDateTime::fromSecsSinceEpoch(qint64(view->channel.stopAt), Qt::UTC)
                             .toString(Qt::ISODate),
                         entry.name));
        describe(out, s, *view);
        out.print();
        return ExitOk;
    }
    const int code =
        channelTransaction(context, out, s, entry.channelId,
                           function == u"settle" ? u"settle"_s : u"close"_s, function, done);
    if (code != ExitOk)
        return code;
    if (auto saved = session.store().saveDeployment(entry); !saved)
        return context.fail(saved.error());
    if (function == u"requestClose")
        out.line(u"Run `berthctl delete %1` again after the notice period to settle the "
                 u"channel."_s.arg(entry.name));
    out.print();
    return ExitOk;
}

} // namespace berth::cli
