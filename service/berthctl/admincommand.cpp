#include "admincommand.h"

#include "admin/adminmethods.h"
#include "admin/admintoken.h"
#include "chain/priceunits.h"
#include "chaincommandline.h"
#include "cliwait.h"
#include "commandoutput.h"
#include "protocol/protocolclient.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QJsonArray>
#include <QProcessEnvironment>
#include <QUrl>

#include <memory>

using namespace Qt::StringLiterals;

namespace berth::cli {

namespace {

using protocol::ProtocolClient;

constexpr int DefaultAdminPort = 7480; // admin.listen.port's default in berthd.yaml

// The options every admin subcommand shares, the parse, and the logged-in
// connection to berthd's admin API.
struct AdminCommandLine
{
    QCommandLineParser parser;
    std::unique_ptr<ProtocolClient> client;
    bool json = false;
    int exitCode = -1;

    bool parse(CommandContext &context, const QString &name, const QString &description,
               const QString &positional = {});
};

Result<QString> tokenFile(const QCommandLineParser &parser)
{
    if (parser.isSet(u"token-file"_s))
        return parser.value(u"token-file"_s);
    if (parser.isSet(u"data-dir"_s))
        return admin::AdminToken::fileIn(parser.value(u"data-dir"_s));
    const QString fromEnvironment =
        QProcessEnvironment::systemEnvironment().value(u"BERTH_ADMIN_TOKEN_FILE"_s);
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    return admin::AdminToken::defaultFile();
}

Result<QJsonValue> call(ProtocolClient &client, QLatin1StringView method, const QJsonObject &params)
{
    return waitFor<QJsonValue>([&](QObject *, std::function<void(Result<QJsonValue>)> done) {
        client.call(QString(method), params, std::move(done));
    });
}

Result<std::unique_ptr<ProtocolClient>> connectAdmin(const QUrl &url,
                                                     const admin::AdminToken &token)
{
    auto client = std::make_unique<ProtocolClient>();
    auto opened = waitFor<bool>([&](QObject *context, std::function<void(Result<bool>)> done) {
        QObject::connect(client.get(), &ProtocolClient::opened, context, [done] { done(true); });
        QObject::connect(client.get(), &ProtocolClient::failed, context,
                         [done](const Error &error) { done(error); });
        client->openLocal(url);
    });
    if (!opened)
        return Error(opened.error().code,
                     u"cannot reach berthd's admin API at %1: %2 (is berthd running? its log "
                     "names the port: \"admin API on ws://...\"; pass --admin)"_s.arg(
                         url.toDisplayString(), opened.error().message));
    auto login = call(*client, admin::method::Login,
                      {{u"token"_s, QString::fromLatin1(token.text().toByteArray())}});
    if (!login)
        return login.error();
    return client;
}

bool AdminCommandLine::parse(CommandContext &context, const QString &name,
                             const QString &description, const QString &positional)
{
    parser.setApplicationDescription(description);
    parser.addHelpOption();
    parser.addOption({u"admin"_s,
                      u"berthd's admin API (default ws://127.0.0.1:%1)."_s.arg(DefaultAdminPort),
                      u"url"_s, u"ws://127.0.0.1:%1"_s.arg(DefaultAdminPort)});
    parser.addOption({u"token-file"_s,
                      u"The admin token file (default: admin.token in --data-dir, else "
                      u"$BERTH_ADMIN_TOKEN_FILE, else in berthd's default data directory)."_s,
                      u"file"_s});
    parser.addOption({u"data-dir"_s, u"berthd's dataDir, which holds admin.token."_s, u"dir"_s});
    parser.addOption({u"json"_s, u"Print JSON for scripts."_s});
    if (!positional.isEmpty())
        parser.addPositionalArgument(positional, u"See the description."_s);
    if (!parseCommandLine(parser, context, name, exitCode))
        return false;
    json = parser.isSet(u"json"_s);
    const QUrl url(parser.value(u"admin"_s), QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != u"ws"_s || url.host().isEmpty()) {
        exitCode = context.usageError(
            u"--admin must be a ws:// URL such as ws://127.0.0.1:%1"_s.arg(DefaultAdminPort), name);
        return false;
    }
    auto file = tokenFile(parser);
    if (!file) {
        exitCode = context.fail(file.error());
        return false;
    }
    auto token = admin::AdminToken::read(*file);
    if (!token) {
        exitCode = context.fail(Error(
            token.error().code,
            token.error().message + u" (the admin token: pass --token-file or --data-dir)"_s));
        return false;
    }
    auto connected = connectAdmin(url, *token);
    if (!connected) {
        exitCode = context.fail(connected.error());
        return false;
    }
    client = std::move(connected).value();
    return true;
}

// A deployment id, or a name: the one live deployment of that name, else the
// newest deleted one (names are a publisher's: two publishers may share one).
Result<QString> resolveDeployment(ProtocolClient &client, const QString &nameOrId)
{
    auto listed = call(client, admin::method::Deployments, {});
    if (!listed)
        return listed.error();
    QStringList live;
    QString deleted;
    for (const QJsonValue &v : listed->toObject().value(u"deployments"_s).toArray()) {
        const QJsonObject d = v.toObject();
        const QString id = d.value(u"id"_s).toString();
        if (id == nameOrId)
            return id;
        if (d.value(u"name"_s).toString() != nameOrId)
            continue;
        if (d.value(u"state"_s).toString() == u"deleted"_s)
            deleted = id; // oldest first: the last one is the newest
        else
            live.append(id);
    }
    if (live.size() > 1)
        return Error(ErrorCode::Conflict, u"%1 names several deployments (%2): give the id"_s.arg(
                                              nameOrId, live.join(u", "_s)));
    if (live.size() == 1)
        return live.first();
    if (!deleted.isEmpty())
        return deleted;
    return Error(ErrorCode::NotFound,
                 u"no deployment named %1 on this provider: `berthctl admin deployments` "
                 "lists them"_s.arg(nameOrId));
}

int runStatus(CommandContext &context)
{
    AdminCommandLine c;
    if (!c.parse(context, u"admin status"_s,
                 u"Prints berthd's provider address, chain, version, ports and its "
                 u"deployments by state."_s))
        return c.exitCode;
    auto status = call(*c.client, admin::method::Status, {});
    if (!status)
        return context.fail(status.error());
    const QJsonObject s = status->toObject();
    CommandOutput out(context, c.json);
    for (auto it = s.constBegin(); it != s.constEnd(); ++it)
        out.field(it.key(), it.value());
    const QJsonObject deployments = s.value(u"deployments"_s).toObject();
    QStringList states;
    const QJsonObject byState = deployments.value(u"byState"_s).toObject();
    for (auto it = byState.constBegin(); it != byState.constEnd(); ++it)
        states.append(u"%1 %2"_s.arg(it.key()).arg(it.value().toInt()));
    out.line(u"provider %1 (chain %2, %3)"_s.arg(s.value(u"provider"_s).toString())
                 .arg(s.value(u"chainId"_s).toInteger())
                 .arg(s.value(u"version"_s).toString()));
    out.line(u"deployments: %1%2"_s.arg(deployments.value(u"total"_s).toInt())
                 .arg(states.isEmpty() ? QString() : u" ("_s + states.join(u", "_s) + u')'));
    out.line(u"ports: protocol %1, metrics %2, admin %3"_s.arg(s.value(u"protocolPort"_s).toInt())
                 .arg(s.value(u"metricsPort"_s).toInt())
                 .arg(s.value(u"adminPort"_s).toInt()));
    out.print();
    return ExitOk;
}

int runDeployments(CommandContext &context)
{
    AdminCommandLine c;
    if (!c.parse(context, u"admin deployments"_s,
                 u"Lists every deployment berthd knows, deleted ones included."_s))
        return c.exitCode;
    auto listed = call(*c.client, admin::method::Deployments, {});
    if (!listed)
        return context.fail(listed.error());
    const QJsonArray deployments = listed->toObject().value(u"deployments"_s).toArray();
    CommandOutput out(context, c.json);
    out.field(u"deployments"_s, deployments);
    if (deployments.isEmpty())
        out.line(u"no deployments"_s);
    for (const QJsonValue &v : deployments) {
        const QJsonObject d = v.toObject();
        out.line(u"%1 %2 %3 publisher %4 updated %5"_s.arg(d.value(u"id"_s).toString(), -24)
                     .arg(d.value(u"name"_s).toString(), -16)
                     .arg(d.value(u"state"_s).toString(), -12)
                     .arg(d.value(u"publisher"_s).toString(), d.value(u"updatedAt"_s).toString()));
    }
    out.print();
    return ExitOk;
}

int runMetrics(CommandContext &context)
{
    AdminCommandLine c;
    c.parser.addOption({u"series"_s,
                        u"Comma-separated: cpu, memory, netRx, netTx, blockRead, blockWrite, "
                        u"restarts, pids (default: all)."_s,
                        u"names"_s});
    c.parser.addOption(
        {u"since"_s, u"How far back (default 1h), e.g. 15m, 6h, 7d."_s, u"duration"_s, u"1h"_s});
    c.parser.addOption(
        {u"step"_s, u"Seconds per point (default: from the range)."_s, u"seconds"_s});
    if (!c.parse(context, u"admin metrics"_s,
                 u"Prints a deployment's usage over time (any deployment, deleted ones within "
                 u"the metrics retention), or the machine's with \"machine\"."_s,
                 u"DEPLOYMENT"_s))
        return c.exitCode;
    if (c.parser.positionalArguments().size() != 1)
        return context.usageError(u"give a deployment name or id, or \"machine\""_s,
                                  u"admin metrics"_s);
    auto since = chain::parseDuration(c.parser.value(u"since"_s));
    if (!since)
        return context.usageError(u"--since: "_s + since.error().message, u"admin metrics"_s);
    const QString wanted = c.parser.positionalArguments().first();
    auto deployment =
        wanted == u"machine"_s ? Result<QString>(wanted) : resolveDeployment(*c.client, wanted);
    if (!deployment)
        return context.fail(deployment.error());
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QJsonObject params{
        {u"deployment"_s, *deployment}, {u"from"_s, now - qint64(*since)}, {u"to"_s, now + 1}};
    if (c.parser.isSet(u"series"_s))
        params.insert(u"series"_s,
                      QJsonArray::fromStringList(
                          c.parser.value(u"series"_s).split(u',', Qt::SkipEmptyParts)));
    if (c.parser.isSet(u"step"_s))
        params.insert(u"step"_s, c.parser.value(u"step"_s).toInt());
    auto metrics = call(*c.client, admin::method::Metrics, params);
    if (!metrics)
        return context.fail(metrics.error());
    const QJsonObject m = metrics->toObject();
    CommandOutput out(context, c.json);
    out.field(u"deployment"_s, *deployment);
    out.field(u"metrics"_s, m);
    out.line(u"%1: %2 points of %3 s"_s.arg(*deployment, m.value(u"source"_s).toString())
                 .arg(m.value(u"step"_s).toInteger()));
    for (const QJsonValue &v : m.value(u"series"_s).toArray()) {
        const QJsonObject series = v.toObject();
        const QJsonArray points = series.value(u"points"_s).toArray();
        const double last = points.isEmpty() ? 0.0 : points.last().toArray().at(1).toDouble();
        out.line(u"  %1/%2 (%3): %4 points, last %5"_s
                     .arg(series.value(u"container"_s).toString(),
                          series.value(u"series"_s).toString(), series.value(u"unit"_s).toString())
                     .arg(points.size())
                     .arg(last));
    }
    out.print();
    return ExitOk;
}

int runLogs(CommandContext &context)
{
    AdminCommandLine c;
    c.parser.addOption({{u"f"_s, u"follow"_s}, u"Keep printing new lines."_s});
    c.parser.addOption(
        {u"tail"_s, u"Lines per container to start with (default 200)."_s, u"n"_s, u"200"_s});
    c.parser.addOption({u"container"_s, u"Only this container."_s, u"name"_s});
    if (!c.parse(context, u"admin logs"_s,
                 u"Prints any deployment's log lines (also a deleted one's while they are "
                 u"kept); with -f, follows them. --json prints one JSON object per line."_s,
                 u"DEPLOYMENT"_s))
        return c.exitCode;
    if (c.parser.positionalArguments().size() != 1)
        return context.usageError(u"give a deployment name or id"_s, u"admin logs"_s);
    auto deployment = resolveDeployment(*c.client, c.parser.positionalArguments().first());
    if (!deployment)
        return context.fail(deployment.error());
    const bool follow = c.parser.isSet(u"follow"_s);
    QJsonObject params{{u"deployment"_s, *deployment},
                       {u"tail"_s, c.parser.value(u"tail"_s).toInt()},
                       {u"follow"_s, follow}};
    if (c.parser.isSet(u"container"_s))
        params.insert(u"container"_s, c.parser.value(u"container"_s));
    const auto print = [&](const QJsonArray &lines) {
        for (const QJsonValue &v : lines) {
            const QJsonObject line = v.toObject();
            if (c.json)
                context.out << QString::fromUtf8(QJsonDocument(line).toJson(QJsonDocument::Compact))
                            << "\n";
            else
                context.out << line.value(u"time"_s).toString() << ' '
                            << line.value(u"container"_s).toString() << ' '
                            << line.value(u"text"_s).toString() << "\n";
        }
        context.out.flush();
    };
    std::optional<qint64> subscription;
    QObject::connect(c.client.get(), &ProtocolClient::notification, c.client.get(),
                     [&](const protocol::Notification &n) {
                         if (n.method == admin::method::Logs && subscription &&
                             n.params.value(u"subscription"_s).toInteger() == *subscription)
                             print(n.params.value(u"lines"_s).toArray());
                     });
    auto logs = call(*c.client, admin::method::Logs, params);
    if (!logs)
        return context.fail(logs.error());
    subscription = logs->toObject().value(u"subscription"_s).toInteger();
    print(logs->toObject().value(u"lines"_s).toArray());
    if (!follow)
        return ExitOk;
    // Until berthd closes the connection or the user interrupts.
    QEventLoop loop;
    QObject::connect(c.client.get(), &ProtocolClient::closed, &loop, &QEventLoop::quit);
    loop.exec();
    return context.fail(Error(ErrorCode::Unavailable, u"berthd closed the admin connection"_s));
}

} // namespace

int runAdminCommand(CommandContext &context)
{
    return dispatchSubcommand(
        context, u"admin"_s,
        {{u"status"_s, u"berthd's address, chain, version, ports and deployment counts"_s,
          runStatus},
         {u"deployments"_s, u"every deployment on this provider"_s, runDeployments},
         {u"metrics"_s, u"a deployment's (or the machine's) usage over time"_s, runMetrics},
         {u"logs"_s, u"a deployment's log lines (-f follows)"_s, runLogs}});
}

} // namespace berth::cli
