#include "caddyingress.h"

#include "runtime.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSet>
#include <QThread>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

Q_LOGGING_CATEGORY(lcCaddy, "berth.provider.caddy", QtWarningMsg)

// Writes that Caddy answers 412 (someone else changed the config) start over.
constexpr int MaxAttempts = 5;
// Requests that fail in transport are sent again after 100, 200 and 400 ms.
constexpr int MaxTransportRetries = 3;

const QString RoutePrefix = u"berth-"_s;
const QString PolicyPrefix = u"berthtls-"_s;

bool isValidPortName(const QString &name)
{
    // As the manifest validator accepts them, minus the letter rule: what matters
    // here is that a port name never contains "--" nor starts with '-'.
    static const QRegularExpression pattern(u"^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$"_s);
    return pattern.match(name).hasMatch() && !name.contains(u"--"_s);
}

bool isValidServerName(const QString &name)
{
    static const QRegularExpression pattern(u"^[A-Za-z0-9_-]{1,64}$"_s);
    return pattern.match(name).hasMatch();
}

Result<QString> normalizeUpstream(const QString &upstream)
{
    static const QRegularExpression pattern(
        u"^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?):([0-9]{1,5})$"_s);
    const auto match = pattern.match(upstream);
    const int port = match.hasMatch() ? match.captured(3).toInt() : 0;
    if (port < 1 || port > 65535)
        return Error(
            ErrorCode::InvalidArgument,
            u"upstream \"%1\" is not host:port, e.g. 127.0.0.1:8080"_s.arg(upstream.left(80)));
    return upstream;
}

// Any JSON value (Caddy answers "null" for a missing key), or nullopt.
std::optional<QJsonValue> parseValue(const QByteArray &body)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray('[' + body + ']'), &error);
    if (error.error != QJsonParseError::NoError || !document.isArray() ||
        document.array().size() != 1)
        return std::nullopt;
    return document.array().at(0);
}

QByteArray toJson(const QJsonValue &value)
{
    if (value.isObject())
        return QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    if (value.isArray())
        return QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
    const QByteArray wrapped = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return wrapped.mid(1, wrapped.size() - 2);
}

quint32 fnv1a32(const QByteArray &data)
{
    quint32 hash = 0x811c9dc5u;
    for (const char c : data) {
        hash ^= quint8(c);
        hash *= 0x01000193u;
    }
    return hash;
}

QStringList hostsOf(const QJsonObject &route)
{
    QStringList hosts;
    const QJsonArray matchers = route.value("match"_L1).toArray();
    for (const QJsonValue &matcher : matchers) {
        const QJsonArray names = matcher.toObject().value("host"_L1).toArray();
        for (const QJsonValue &name : names)
            hosts.append(name.toString().toLower());
    }
    return hosts;
}

// Whether a host matcher pattern of a route Berth did not write matches `host`
// (Caddy's host matcher: exact, or "*" standing for one label).
bool hostPatternMatches(const QString &pattern, const QString &host)
{
    if (!pattern.contains(u'*'))
        return pattern == host;
    const QStringList patternLabels = pattern.split(u'.');
    const QStringList hostLabels = host.split(u'.');
    if (patternLabels.size() != hostLabels.size())
        return false;
    for (qsizetype i = 0; i < patternLabels.size(); ++i)
        if (patternLabels[i] != u"*"_s && patternLabels[i] != hostLabels[i])
            return false;
    return true;
}

QString upstreamOf(const QJsonObject &route)
{
    const QJsonArray handlers = route.value("handle"_L1).toArray();
    for (const QJsonValue &handler : handlers) {
        const QJsonObject object = handler.toObject();
        if (object.value("handler"_L1).toString() != "reverse_proxy"_L1)
            continue;
        const QJsonArray upstreams = object.value("upstreams"_L1).toArray();
        if (!upstreams.isEmpty())
            return upstreams.first().toObject().value("dial"_L1).toString();
    }
    return {};
}

QJsonObject routeJson(const QString &deploymentId, const IngressRoute &route)
{
    return QJsonObject{
        {u"@id"_s, CaddyIngress::routeId(deploymentId, route.portName)},
        {u"match"_s, QJsonArray{QJsonObject{{u"host"_s, QJsonArray::fromStringList(route.hosts)}}}},
        {u"handle"_s, QJsonArray{QJsonObject{
                          {u"handler"_s, u"reverse_proxy"_s},
                          {u"upstreams"_s, QJsonArray{QJsonObject{{u"dial"_s, route.upstream}}}}}}},
        {u"terminal"_s, true},
    };
}

Error changedTooOften(const QString &what)
{
    return Error(
        ErrorCode::Conflict,
        u"Caddy's configuration kept changing while Berth edited %1; try again"_s.arg(what));
}

} // namespace

CaddyIngress::CaddyIngress(Options options)
    : m_options(std::move(options))
    , m_http(u"Caddy"_s)
{
    while (m_options.adminUrl.endsWith(u'/'))
        m_options.adminUrl.chop(1);
}

CaddyIngress::~CaddyIngress() = default;

QString CaddyIngress::routeId(const QString &deploymentId, const QString &portName)
{
    return RoutePrefix + deploymentId + u"--"_s + portName;
}

std::optional<std::pair<QString, QString>> CaddyIngress::parseRouteId(const QString &id)
{
    if (!id.startsWith(RoutePrefix))
        return std::nullopt;
    const QString rest = id.mid(RoutePrefix.size());
    const qsizetype separator = rest.lastIndexOf(u"--"_s);
    if (separator <= 0)
        return std::nullopt;
    QString deploymentId = rest.left(separator);
    QString portName = rest.mid(separator + 2);
    if (!isValidDeploymentId(deploymentId) || !isValidPortName(portName))
        return std::nullopt;
    return std::pair{std::move(deploymentId), std::move(portName)};
}

Result<QString> CaddyIngress::normalizeHost(const QString &host)
{
    static const QRegularExpression pattern(
        u"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"_s);
    static const QRegularExpression digits(u"^[0-9]+$"_s);
    const QString name = host.trimmed().toLower();
    if (name.startsWith(u"*."_s))
        return Error(
            ErrorCode::InvalidArgument,
            u"wildcard host \"%1\" is not supported: list each host name"_s.arg(name.left(80)));
    if (name.size() > 253 || !pattern.match(name).hasMatch() ||
        digits.match(name.section(u'.', -1)).hasMatch())
        return Error(ErrorCode::InvalidArgument,
                     u"\"%1\" is not a host name: use a lower-case DNS name with at least one "
                     u"dot, such as shop.example.com"_s.arg(host.left(80)));
    return name;
}

QByteArray CaddyIngress::configEtag(const QString &path, const QByteArray &body)
{
    // Caddy 2.6 hashes the JSON it answers (FNV-1a, 32 bits) and names the path.
    return '"' + path.toUtf8() + ' ' +
           QByteArray::number(fnv1a32(body), 16).rightJustified(8, '0') + '"';
}

QString CaddyIngress::url(const QString &path) const
{
    return m_options.adminUrl + path;
}

QString CaddyIngress::serverPath() const
{
    return u"/config/apps/http/servers/"_s + m_options.serverName;
}

Result<HttpResponse> CaddyIngress::send(const QByteArray &method, const QString &path,
                                        const QByteArray &body, const QByteArray &ifMatch)
{
    HttpRequest request;
    request.method = method;
    request.url = url(path);
    request.body = body;
    request.timeoutMs = m_options.timeoutMs;
    if (!body.isEmpty())
        request.headers.append(
            {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
    if (!ifMatch.isEmpty())
        request.headers.append({QByteArrayLiteral("If-Match"), ifMatch});
    Result<HttpResponse> response = m_http.send(request);
    // Caddy restarts its admin server on every config change: a change by another
    // client can drop our kept-alive connection or find nothing listening for a
    // moment. Sending again is safe: every write carries If-Match (a repeat of one
    // that took effect answers 412 and is read afresh) or is a DELETE by id (a
    // repeat answers 404).
    for (int retry = 1; retry <= MaxTransportRetries && !response.ok(); ++retry) {
        const ErrorCode code = response.error().code;
        if (code != ErrorCode::IoFailed && code != ErrorCode::Unavailable)
            break;
        qCDebug(lcCaddy) << "retrying" << method << path << "after" << response.error().message;
        QThread::msleep(50UL << retry);
        response = m_http.send(request);
    }
    if (!response.ok() && response.error().code == ErrorCode::Unavailable)
        return Error(ErrorCode::Unavailable,
                     u"Caddy's admin API does not answer at %1: is Caddy running? start it or set "
                     u"caddy.adminUrl"_s.arg(m_options.adminUrl));
    return response;
}

Result<CaddyIngress::Snapshot> CaddyIngress::read(const QString &path)
{
    const auto response = send("GET", path);
    if (!response)
        return response.error();
    if (response->status == 400 && response->body.contains("invalid traversal path"))
        return Snapshot{path, QJsonValue(QJsonValue::Undefined), {}};
    if (!response->ok())
        return Error(ErrorCode::BadResponse,
                     u"Caddy did not give its configuration at %1: %2"_s.arg(
                         path, httpErrorText(*response)));
    const std::optional<QJsonValue> value = parseValue(response->body);
    if (!value)
        return Error(ErrorCode::BadResponse,
                     u"Caddy answered something that is not JSON for %1"_s.arg(path));
    return Snapshot{path, *value, configEtag(path, response->body)};
}

Result<CaddyIngress::WriteOutcome> CaddyIngress::write(const QByteArray &method,
                                                       const QString &path, const QJsonValue &value,
                                                       const Snapshot &basis)
{
    const auto response = send(method, path, toJson(value), basis.etag);
    if (!response)
        return response.error();
    if (response->status == 412) {
        qCDebug(lcCaddy) << "config changed under us at" << basis.path << "; starting over";
        return WriteOutcome::Changed;
    }
    if (!response->ok())
        return Error(ErrorCode::BadResponse,
                     u"Caddy refused the change to %1: %2"_s.arg(path, httpErrorText(*response)));
    qCDebug(lcCaddy) << method << path << "done";
    return WriteOutcome::Done;
}

Result<void> CaddyIngress::ensurePath(const QStringList &keys, const QJsonValue &value)
{
    for (int attempt = 0; attempt < MaxAttempts; ++attempt) {
        const auto root = read(u"/config/"_s);
        if (!root)
            return root.error();
        QJsonValue current = root->value;
        qsizetype depth = 0;
        bool present = false; // the key at `depth` exists (with a null value)
        while (depth < keys.size() && current.isObject()) {
            const QJsonObject object = current.toObject();
            if (!object.contains(keys[depth]))
                break;
            current = object.value(keys[depth]);
            if (current.isNull()) {
                present = true;
                break;
            }
            ++depth;
        }
        if (depth == keys.size())
            return {}; // already there: left as it is
        if (depth > 0 && !present && !current.isObject())
            return Error(
                ErrorCode::BadResponse,
                u"Caddy's configuration at /config/%1 is not an object; fix it by hand"_s.arg(
                    keys.mid(0, depth).join(u'/')));

        QJsonValue nested = value;
        for (qsizetype i = keys.size() - 1; i > depth; --i)
            nested = QJsonObject{{keys[i], nested}};
        Result<WriteOutcome> outcome = WriteOutcome::Done;
        if (depth == 0 && !present && !root->value.isObject())
            outcome = write("POST", u"/config/"_s, QJsonObject{{keys[0], nested}}, *root);
        else
            outcome = write(present ? "PATCH" : "PUT",
                            u"/config/"_s + keys.mid(0, depth + 1).join(u'/'), nested, *root);
        if (!outcome)
            return outcome.error();
        if (*outcome == WriteOutcome::Done)
            return {};
    }
    return changedTooOften(u"/config/"_s + keys.join(u'/'));
}

Result<void> CaddyIngress::ensureServer()
{
    if (!isValidServerName(m_options.serverName))
        return Error(ErrorCode::InvalidArgument,
                     u"Caddy server name \"%1\" must be 1-64 letters, digits, '-' or '_'"_s.arg(
                         m_options.serverName.left(80)));
    if (m_options.listen.isEmpty())
        return Error(ErrorCode::InvalidArgument,
                     u"Caddy server \"%1\" needs at least one listen address, e.g. :443"_s.arg(
                         m_options.serverName));
    QJsonObject server{{u"listen"_s, QJsonArray::fromStringList(m_options.listen)},
                       {u"routes"_s, QJsonArray()}};
    if (m_options.tlsMode == TlsMode::Off)
        server.insert(u"automatic_https"_s, QJsonObject{{u"disable"_s, true}});
    else if (m_options.tlsMode == TlsMode::Internal)
        server.insert(u"automatic_https"_s, QJsonObject{{u"disable_redirects"_s, true}});
    if (auto created =
            ensurePath({u"apps"_s, u"http"_s, u"servers"_s, m_options.serverName}, server);
        !created)
        return created;
    if (m_options.tlsMode == TlsMode::Internal)
        return ensurePath({u"apps"_s, u"pki"_s, u"certificate_authorities"_s, u"local"_s},
                          QJsonObject{{u"install_trust"_s, false}});
    return {};
}

Result<void> CaddyIngress::ping()
{
    const auto response = send("GET", u"/config/"_s);
    if (!response)
        return response.error();
    if (!response->ok())
        return Error(ErrorCode::BadResponse,
                     u"Caddy's admin API at %1 answered %2: is caddy.adminUrl Caddy's admin "
                     u"address?"_s.arg(m_options.adminUrl, httpErrorText(*response)));
    return {};
}

Result<void> CaddyIngress::setInternalPolicy(const QString &deploymentId, const QStringList &hosts)
{
    const QString policyId = PolicyPrefix + deploymentId;
    const QString path = u"/config/apps/tls"_s;
    for (int attempt = 0; attempt < MaxAttempts; ++attempt) {
        const auto snapshot = read(path);
        if (!snapshot)
            return snapshot.error();
        if (snapshot->value.isUndefined())
            return Error(ErrorCode::NotFound, u"Caddy's configuration has no apps"_s);
        QJsonObject tls = snapshot->value.toObject();
        QJsonObject automation = tls.value("automation"_L1).toObject();
        const QJsonArray policies = automation.value("policies"_L1).toArray();
        QJsonArray updated;
        if (!hosts.isEmpty())
            updated.append(QJsonObject{
                {u"@id"_s, policyId},
                {u"subjects"_s, QJsonArray::fromStringList(hosts)},
                {u"issuers"_s, QJsonArray{QJsonObject{{u"module"_s, u"internal"_s}}}},
            });
        for (const QJsonValue &policy : policies)
            if (policy.toObject().value("@id"_L1).toString() != policyId)
                updated.append(policy);
        if (updated == policies)
            return {};
        automation.insert(u"policies"_s, updated);
        tls.insert(u"automation"_s, automation);
        const auto outcome =
            write(snapshot->value.isNull() ? "PUT" : "PATCH", path, tls, *snapshot);
        if (!outcome)
            return outcome.error();
        if (*outcome == WriteOutcome::Done)
            return {};
    }
    return changedTooOften(path);
}

Result<void> CaddyIngress::setRoutes(const QString &deploymentId, const QList<IngressRoute> &routes)
{
    if (!isValidDeploymentId(deploymentId))
        return Error(ErrorCode::InvalidArgument,
                     u"deployment id \"%1\" must be 1-40 lower-case letters, digits or '-'"_s.arg(
                         deploymentId.left(80)));
    QList<IngressRoute> wanted;
    QStringList allHosts;
    QSet<QString> portNames;
    for (const IngressRoute &route : routes) {
        if (!isValidPortName(route.portName))
            return Error(ErrorCode::InvalidArgument,
                         u"port name \"%1\" must be 1-15 lower-case letters, digits or single "
                         u"'-'"_s.arg(route.portName.left(80)));
        if (portNames.contains(route.portName))
            return Error(ErrorCode::InvalidArgument,
                         u"port \"%1\" is listed twice"_s.arg(route.portName));
        portNames.insert(route.portName);
        if (route.hosts.isEmpty())
            return Error(ErrorCode::InvalidArgument,
                         u"port \"%1\" has no host names: a route without hosts would take every "
                         u"request"_s.arg(route.portName));
        IngressRoute normalized{route.portName, {}, {}};
        for (const QString &host : route.hosts) {
            const auto name = normalizeHost(host);
            if (!name)
                return name.error();
            if (normalized.hosts.contains(*name))
                continue;
            if (allHosts.contains(*name))
                return Error(
                    ErrorCode::InvalidArgument,
                    u"host %1 is listed for two ports; a host name goes to one port"_s.arg(*name));
            normalized.hosts.append(*name);
            allHosts.append(*name);
        }
        const auto upstream = normalizeUpstream(route.upstream);
        if (!upstream)
            return upstream.error();
        normalized.upstream = *upstream;
        wanted.append(normalized);
    }

    bool ensured = false;
    bool policySet = false;
    for (int attempt = 0; attempt < MaxAttempts; ++attempt) {
        const auto snapshot = read(serverPath());
        if (!snapshot)
            return snapshot.error();
        if (!snapshot->value.isObject()) {
            if (ensured)
                return Error(
                    ErrorCode::NotFound,
                    u"Caddy has no server \"%1\" after creating it"_s.arg(m_options.serverName));
            if (auto created = ensureServer(); !created)
                return created;
            ensured = true;
            continue;
        }
        const QJsonObject server = snapshot->value.toObject();
        const QJsonArray existing = server.value("routes"_L1).toArray();

        // Refuse before changing anything: a publisher must not take another's host.
        for (const QJsonValue &entry : existing) {
            const QJsonObject route = entry.toObject();
            const auto owner = parseRouteId(route.value("@id"_L1).toString());
            if (owner && owner->first == deploymentId)
                continue;
            const QStringList taken = hostsOf(route);
            for (const QString &host : std::as_const(allHosts)) {
                if (owner && taken.contains(host))
                    return Error(ErrorCode::Conflict,
                                 u"host %1 is already routed to another deployment"_s.arg(host));
                if (!owner && std::any_of(taken.begin(), taken.end(), [&](const QString &pattern) {
                        return hostPatternMatches(pattern, host);
                    }))
                    return Error(ErrorCode::Conflict,
                                 u"host %1 is already routed by a route the provider configured "
                                 u"in Caddy by hand"_s.arg(host));
            }
        }

        if (m_options.tlsMode == TlsMode::Internal && !policySet) {
            if (auto policy = setInternalPolicy(deploymentId, allHosts); !policy)
                return policy;
            policySet = true;
        }

        // Berth's routes stay together, ahead of the routes it does not manage.
        QJsonArray updated;
        qsizetype insertAt = -1;
        qsizetype firstBerth = -1;
        for (const QJsonValue &entry : existing) {
            const auto owner = parseRouteId(entry.toObject().value("@id"_L1).toString());
            if (owner && owner->first == deploymentId) {
                if (insertAt < 0)
                    insertAt = updated.size();
                continue;
            }
            if (owner && firstBerth < 0)
                firstBerth = updated.size();
            updated.append(entry);
        }
        if (insertAt < 0)
            insertAt = firstBerth < 0 ? 0 : firstBerth;
        for (const IngressRoute &route : std::as_const(wanted))
            updated.insert(insertAt++, routeJson(deploymentId, route));
        if (updated == existing)
            return {};

        const bool hasRoutes = server.contains("routes"_L1);
        const auto outcome =
            write(hasRoutes ? "PATCH" : "PUT", serverPath() + u"/routes"_s, updated, *snapshot);
        if (!outcome)
            return outcome.error();
        if (*outcome == WriteOutcome::Done)
            return {};
    }
    return changedTooOften(serverPath() + u"/routes"_s);
}

Result<void> CaddyIngress::removeRoutes(const QString &deploymentId)
{
    if (!isValidDeploymentId(deploymentId))
        return Error(ErrorCode::InvalidArgument,
                     u"deployment id \"%1\" must be 1-40 lower-case letters, digits or '-'"_s.arg(
                         deploymentId.left(80)));
    const auto snapshot = read(serverPath() + u"/routes"_s);
    if (!snapshot)
        return snapshot.error();
    QStringList ids;
    const QJsonArray existing = snapshot->value.toArray();
    for (const QJsonValue &entry : existing) {
        const QString id = entry.toObject().value("@id"_L1).toString();
        const auto owner = parseRouteId(id);
        if (owner && owner->first == deploymentId)
            ids.append(id);
    }
    ids.append(PolicyPrefix + deploymentId); // from TLS mode Internal, if any
    for (const QString &id : std::as_const(ids)) {
        const auto response = send("DELETE", u"/id/"_s + id);
        if (!response)
            return response.error();
        if (!response->ok() && response->status != 404)
            return Error(ErrorCode::BadResponse,
                         u"Caddy refused to delete %1: %2"_s.arg(id, httpErrorText(*response)));
    }
    return {};
}

Result<QMap<QString, QList<IngressRoute>>> CaddyIngress::routes()
{
    const auto snapshot = read(serverPath() + u"/routes"_s);
    if (!snapshot)
        return snapshot.error();
    QMap<QString, QList<IngressRoute>> result;
    const QJsonArray existing = snapshot->value.toArray();
    for (const QJsonValue &entry : existing) {
        const QJsonObject route = entry.toObject();
        const auto owner = parseRouteId(route.value("@id"_L1).toString());
        if (!owner)
            continue;
        result[owner->first].append(IngressRoute{owner->second, hostsOf(route), upstreamOf(route)});
    }
    return result;
}

} // namespace berth::provider
