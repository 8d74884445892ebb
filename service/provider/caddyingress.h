#pragma once

#include "httpclient.h"
#include "ingress.h"

#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <optional>
#include <utility>

namespace berth::provider {

// The Ingress over Caddy's admin API (Caddy 2.6). Berth owns one HTTP server in
// Caddy's config, apps/http/servers/<serverName>, and in it one route per HTTP
// port of a deployment:
//
//   {"@id": "berth-<deployment>--<port>", "match": [{"host": [...]}],
//    "handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": "<upstream>"}]}],
//    "terminal": true}
//
// The @id is how routes() reads the deployment and port back: deployment ids may
// contain "-" and even "--" but end alphanumeric, port names never contain "--"
// and start alphanumeric, so the last "--" separates them. Other servers and
// routes (an admin's hand-made ones) are left as they are; Berth's routes are kept
// together, before the first route Berth does not manage.
//
// Concurrent edits: every change reads the part of the config it edits, then
// writes it with If-Match (the ETag Caddy would send for that read, computed here
// from the body, since Caddy sends it as a trailer) and starts over when Caddy
// answers 412. removeRoutes deletes through the /id/ endpoint. Caddy restarts its
// admin server on every change, so a request that fails in transport is sent
// again (up to 3 times, 100-400 ms apart): safe with If-Match and DELETE by id.
//
// TLS: Acme leaves certificates to Caddy's automatic HTTPS; Off disables automatic
// HTTPS for this server (plain HTTP); Internal gives each deployment an automation
// policy "@id": "berthtls-<deployment>" with its hosts as subjects and the
// internal issuer (first in apps/tls/automation/policies), turns off the HTTP→HTTPS
// redirect server, and has Caddy's local CA not install itself into the system
// trust store (apps/pki/certificate_authorities/local, only when not configured).
//
// Calls block (libcurl): one CaddyIngress per worker thread.
class CaddyIngress : public Ingress
{
public:
    enum class TlsMode
    {
        Acme,     // Caddy's automatic HTTPS (production)
        Internal, // Caddy's internal CA (tests, private networks)
        Off,      // plain HTTP, automatic HTTPS disabled for this server
    };

    struct Options
    {
        QString adminUrl = QStringLiteral("http://127.0.0.1:2019");
        QString serverName = QStringLiteral("berth");
        QStringList listen = {QStringLiteral(":443")};
        TlsMode tlsMode = TlsMode::Acme;
        int timeoutMs = 30000; // per admin request; a config change reloads Caddy
    };

    explicit CaddyIngress(Options options);
    ~CaddyIngress() override;

    const Options &options() const { return m_options; }

    // Creates apps/http/servers/<serverName> when it is missing (and apps/http, or
    // the whole config when Caddy runs without one). Leaves an existing server as
    // it is. Idempotent.
    Result<void> ensureServer();

    // GET /config/; Unavailable ("is Caddy running? …") when the admin API is down.
    Result<void> ping() override;

    // Validates everything first (InvalidArgument: deployment id, port names,
    // host names, upstreams, a port without hosts, a host on two ports), refuses
    // with Conflict when a host is routed to another deployment or by a route
    // Berth does not manage, then replaces this deployment's routes in one
    // If-Match write. Creates the server first when it is missing.
    Result<void> setRoutes(const QString &deploymentId, const QList<IngressRoute> &routes) override;
    // DELETE /id/berth-<deployment>--<port> for each of its routes (404 is fine).
    Result<void> removeRoutes(const QString &deploymentId) override;
    // The server's routes whose @id Berth wrote; empty when the server is missing.
    Result<QMap<QString, QList<IngressRoute>>> routes() override;

    // "berth-<deployment>--<port>", and back (nullopt for ids Berth did not write).
    static QString routeId(const QString &deploymentId, const QString &portName);
    static std::optional<std::pair<QString, QString>> parseRouteId(const QString &id);
    // A host name lower-cased and checked: DNS labels, at least one dot, no
    // wildcard, not an IP address. InvalidArgument otherwise.
    static Result<QString> normalizeHost(const QString &host);
    // The ETag Caddy 2.6 gives a GET of `path` ("/config/…") that answered `body`.
    static QByteArray configEtag(const QString &path, const QByteArray &body);

private:
    struct Snapshot
    {
        QString path; // "/config/…"
        QJsonValue value;
        QByteArray etag;
    };
    enum class WriteOutcome
    {
        Done,
        Changed, // 412: someone edited the config in between
    };

    QString url(const QString &path) const;
    Result<HttpResponse> send(const QByteArray &method, const QString &path,
                              const QByteArray &body = {}, const QByteArray &ifMatch = {});
    // GET of a config path: null for a missing key, undefined under a missing object.
    Result<Snapshot> read(const QString &path);
    Result<WriteOutcome> write(const QByteArray &method, const QString &path,
                               const QJsonValue &value, const Snapshot &basis);
    Result<void> ensurePath(const QStringList &keys, const QJsonValue &value);
    QString serverPath() const;
    Result<void> setInternalPolicy(const QString &deploymentId, const QStringList &hosts);

    Options m_options;
    HttpClient m_http;
};

} // namespace berth::provider
