// The deployment commands that look at and pay for what runs: ls, status,
// events, logs, metrics and topup (declared in deploycommand.h).
#include "chain/priceunits.h"
#include "chaincommandline.h"
#include "commandoutput.h"
#include "core/hex.h"
#include "deploycommand.h"
#include "escrowcommand.h"
#include "protocol/protocolclient.h"
#include "publishersession.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace berth::cli {

using publisher::DeploymentEntry;
using publisher::ProviderConnection;

int runListCommand(CommandContext &context)
{
    ChainCommandLine c;
    if (!c.parse(context, u"ls"_s, u"Lists your deployments on this chain (from your records)."_s,
                 false))
        return c.exitCode;
    ChainSession &s = *c.session;
    auto me = s.account();
    if (!me)
        return context.fail(me.error());
    auto store = publisher::PublisherStore::open(publisher::PublisherStore::defaultPath());
    if (!store)
        return context.fail(store.error());
    auto all = (*store)->deployments(s.profile().chainId, *me);
    if (!all)
        return context.fail(all.error());
    CommandOutput out(context, s.json());
    QJsonArray rows;
    if (all->isEmpty())
        out.line(u"No deployments: `berthctl deploy FILE --provider …` makes one."_s);
    else
        out.line(u"%1 %2 %3 %4"_s.arg(u"NAME"_s.leftJustified(20), u"STATE"_s.leftJustified(12),
                                      u"DEPLOYMENT"_s.leftJustified(24), u"PROVIDER"_s));
    for (const DeploymentEntry &d : *all) {
        rows.append(QJsonObject{{u"name"_s, d.name},
                                {u"state"_s, d.state},
                                {u"deployment"_s, d.deploymentId},
                                {u"provider"_s, d.provider.toChecksumString()},
                                {u"endpoint"_s, d.endpoint},
                                {u"channel"_s, hexString(d.channelId)},
                                {u"endpoints"_s, d.endpoints},
                                {u"createdAt"_s, d.createdAt},
                                {u"updatedAt"_s, d.updatedAt}});
        out.line(u"%1 %2 %3 %4"_s.arg(d.name.leftJustified(20), d.state.leftJustified(12),
                                      d.deploymentId.leftJustified(24),
                                      d.provider.toChecksumString()));
    }
    out.field(u"deployments"_s, rows);
    out.print();
    return ExitOk;
}

namespace {

// The shape of status, events and logs: NAME, the record, a logged-in connection.
struct Opened
{
    ChainCommandLine line;
    std::unique_ptr<PublisherSession> session;
    DeploymentEntry entry;
    std::unique_ptr<ProviderConnection> connection;
    int exitCode = -1;
};

bool openDeployment(CommandContext &context, Opened &o, const QString &name,
                    const QString &description)
{
    if (!o.line.parse(context, name, description, true, u"NAME"_s)) {
        o.exitCode = o.line.exitCode;
        return false;
    }
    if (o.line.parser.positionalArguments().size() != 1) {
        o.exitCode = context.usageError(u"give the deployment NAME"_s, name);
        return false;
    }
    auto opened = PublisherSession::openFor(*o.line.session, name,
                                            o.line.parser.positionalArguments().first());
    if (!opened) {
        o.exitCode = context.fail(opened.error());
        return false;
    }
    PublisherSession::ForDeployment found = std::move(opened).value();
    o.session = std::move(found.session);
    o.entry = found.entry;
    auto connection = o.session->connect(o.entry);
    if (!connection) {
        o.exitCode = context.fail(connection.error());
        return false;
    }
    o.connection = std::move(connection).value();
    return true;
}

} // namespace

int runStatusCommand(CommandContext &context)
{
    Opened o;
    if (!openDeployment(context, o, u"status"_s,
                        u"Shows a deployment as its provider runs it, and its channel."_s))
        return o.exitCode;
    ChainSession &s = *o.line.session;
    auto status = PublisherSession::call(*o.connection, u"pod.status"_s,
                                         {{u"deployment"_s, o.entry.deploymentId}});
    if (!status)
        return context.fail(status.error());
    const QJsonObject st = status->toObject();
    CommandOutput out(context, s.json());
    out.field(u"name"_s, o.entry.name);
    out.field(u"status"_s, st);
    out.line(u"%1 (%2) on %3: %4, pod %5, %6 restarts"_s
                 .arg(o.entry.name, o.entry.deploymentId, o.entry.provider.toChecksumString(),
                      st.value(u"state"_s).toString(), st.value(u"runtime"_s).toString())
                 .arg(st.value(u"restarts"_s).toInt()));
    for (const QJsonValue &v : st.value(u"containers"_s).toArray()) {
        const QJsonObject container = v.toObject();
        out.line(u"  container %1: %2%3"_s.arg(
            container.value(u"name"_s).toString(), container.value(u"state"_s).toString(),
            container.contains(u"healthy"_s)
                ? (container.value(u"healthy"_s).toBool() ? u", healthy"_s : u", unhealthy"_s)
                : QString()));
    }
    auto capacity = capacityOf(*o.connection);
    describeEndpoints(out, st.value(u"endpoints"_s).toArray(),
                      capacity ? capacity->value(u"ingress"_s).toObject() : QJsonObject());
    if (auto escrow = s.contract(u"Escrow"_s)) {
        if (auto view = viewChannel(s, *escrow, o.entry.channelId))
            describe(out, s, *view);
    }
    out.print();
    return ExitOk;
}

int runEventsCommand(CommandContext &context)
{
    Opened o;
    if (!openDeployment(context, o, u"events"_s,
                        u"Lists a deployment's events (provisioning, restarts, runway "
                        u"warnings, stops)."_s))
        return o.exitCode;
    auto events = PublisherSession::call(*o.connection, u"pod.events"_s,
                                         {{u"deployment"_s, o.entry.deploymentId}});
    if (!events)
        return context.fail(events.error());
    CommandOutput out(context, o.line.session->json());
    const QJsonArray list = events->toObject().value(u"events"_s).toArray();
    out.field(u"name"_s, o.entry.name);
    out.field(u"events"_s, list);
    for (const QJsonValue &v : list) {
        const QJsonObject e = v.toObject();
        out.line(u"%1  %2  %3"_s.arg(e.value(u"at"_s).toString(),
                                     e.value(u"kind"_s).toString().leftJustified(12),
                                     e.value(u"message"_s).toString()));
    }
    out.print();
    return ExitOk;
}

int runLogsCommand(CommandContext &context)
{
    Opened o;
    o.line.parser.addOption({{u"f"_s, u"follow"_s}, u"Keep printing new lines."_s});
    o.line.parser.addOption(
        {u"tail"_s, u"Lines per container to start with (default 200)."_s, u"n"_s, u"200"_s});
    o.line.parser.addOption({u"container"_s, u"Only this container."_s, u"name"_s});
    if (!openDeployment(context, o, u"logs"_s,
                        u"Prints a deployment's log lines; with -f, follows them."_s))
        return o.exitCode;
    const bool json = o.line.session->json();
    const bool follow = o.line.parser.isSet(u"follow"_s);
    const auto print = [&](const QJsonArray &lines) {
        for (const QJsonValue &v : lines) {
            const QJsonObject l = v.toObject();
            if (json)
                context.out << QJsonDocument(l).toJson(QJsonDocument::Compact) << "\n";
            else
                context.out << l.value(u"time"_s).toString() << " "
                            << l.value(u"container"_s).toString() << " "
                            << l.value(u"text"_s).toString() << "\n";
        }
        context.out.flush();
    };
    QJsonObject params{{u"deployment"_s, o.entry.deploymentId},
                       {u"tail"_s, o.line.parser.value(u"tail"_s).toInt()},
                       {u"follow"_s, follow}};
    if (o.line.parser.isSet(u"container"_s))
        params.insert(u"container"_s, o.line.parser.value(u"container"_s));
    std::optional<int> subscription;
    QObject::connect(o.connection.get(), &ProviderConnection::notification, o.connection.get(),
                     [&](const QString &method, const QJsonObject &n) {
                         if (method == u"pod.logs" && subscription &&
                             n.value(u"subscription"_s).toInt() == *subscription)
                             print(n.value(u"lines"_s).toArray());
                     });
    auto logs = PublisherSession::call(*o.connection, u"pod.logs"_s, params);
    if (!logs)
        return context.fail(logs.error());
    subscription = logs->toObject().value(u"subscription"_s).toInt();
    print(logs->toObject().value(u"lines"_s).toArray());
    if (!follow)
        return ExitOk;
    // Until the connection ends or the user interrupts.
    QEventLoop loop;
    QObject::connect(&o.connection->client(), &protocol::ProtocolClient::closed, &loop,
                     &QEventLoop::quit);
    loop.exec();
    return context.fail(Error(ErrorCode::Unavailable, u"the provider closed the connection"_s));
}

int runMetricsCommand(CommandContext &context)
{
    Opened o;
    o.line.parser.addOption({u"series"_s,
                             u"Comma-separated: cpu, memory, netRx, netTx, blockRead, blockWrite, "
                             u"restarts, pids (default: all)."_s,
                             u"names"_s});
    o.line.parser.addOption(
        {u"since"_s, u"How far back (default 1h), e.g. 15m, 6h, 7d."_s, u"duration"_s, u"1h"_s});
    o.line.parser.addOption(
        {u"step"_s, u"Seconds per point (default: from the range)."_s, u"seconds"_s});
    if (!openDeployment(context, o, u"metrics"_s,
                        u"Prints a deployment's usage over time, per container, as its provider "
                        u"recorded it (pod.metrics)."_s))
        return o.exitCode;
    auto since = chain::parseDuration(o.line.parser.value(u"since"_s));
    if (!since)
        return context.usageError(u"--since: "_s + since.error().message, u"metrics"_s);
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QJsonObject params{{u"deployment"_s, o.entry.deploymentId},
                       {u"from"_s, now - qint64(*since)},
                       {u"to"_s, now + 1}};
    if (o.line.parser.isSet(u"series"_s))
        params.insert(u"series"_s,
                      QJsonArray::fromStringList(
                          o.line.parser.value(u"series"_s).split(u',', Qt::SkipEmptyParts)));
    if (o.line.parser.isSet(u"step"_s))
        params.insert(u"step"_s, o.line.parser.value(u"step"_s).toInt());
    auto metrics = PublisherSession::call(*o.connection, u"pod.metrics"_s, params);
    if (!metrics)
        return context.fail(metrics.error());
    const QJsonObject m = metrics->toObject();
    CommandOutput out(context, o.line.session->json());
    out.field(u"name"_s, o.entry.name);
    out.field(u"metrics"_s, m);
    out.line(u"%1 (%2), %3 points of %4 s:"_s
                 .arg(o.entry.name, o.entry.deploymentId, m.value(u"source"_s).toString())
                 .arg(m.value(u"step"_s).toInteger()));
    for (const QJsonValue &v : m.value(u"series"_s).toArray()) {
        const QJsonObject series = v.toObject();
        const QJsonArray points = series.value(u"points"_s).toArray();
        const QJsonArray last = points.isEmpty() ? QJsonArray() : points.last().toArray();
        out.line(
            u"  %1 %2: %3 points, last %4 %5"_s
                .arg(series.value(u"container"_s).toString(), series.value(u"series"_s).toString())
                .arg(points.size())
                .arg(last.size() > 1 ? last.at(1).toDouble() : 0.0)
                .arg(series.value(u"unit"_s).toString()));
    }
    out.print();
    return ExitOk;
}

int runTopUpCommand(CommandContext &context)
{
    ChainCommandLine c;
    addTopUpOptions(c.parser);
    if (!c.parse(context, u"topup"_s,
                 u"Adds to the deposit of a deployment's channel (--amount or --duration)."_s, true,
                 u"NAME"_s))
        return c.exitCode;
    if (c.parser.positionalArguments().size() != 1)
        return context.usageError(u"give the deployment NAME"_s, u"topup"_s);
    auto opened = PublisherSession::openFor(*c.session, u"top up a channel"_s,
                                            c.parser.positionalArguments().first());
    if (!opened)
        return context.fail(opened.error());
    CommandOutput out(context, c.session->json());
    out.field(u"name"_s, opened->entry.name);
    const int code =
        topUpChannel(context, out, *c.session, c.parser, opened->entry.channelId, u"topup"_s);
    if (code == ExitOk)
        out.print();
    return code;
}

} // namespace berth::cli
