#include "provider/prometheusexporter.h"

#include "provider/prometheustext.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

bool isLoopbackHost(const QByteArray &hostHeader)
{
    // "127.0.0.1:9464", "localhost", "[::1]:9464"
    const QUrl url(u"http://"_s + QString::fromLatin1(hostHeader));
    const QString host = url.host();
    if (host.compare(u"localhost"_s, Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

// "Bearer <token>" with exactly the token, compared in constant time.
bool bearerMatches(const QByteArray &authorization, const crypto::SecretBytes &token)
{
    static constexpr QByteArrayView scheme("Bearer ");
    if (!authorization.startsWith(scheme))
        return false;
    const QByteArray given = authorization.mid(scheme.size());
    return crypto::constantTimeEquals(QByteArrayView(given), token.view());
}

QHttpServerResponse plain(const QByteArray &text, QHttpServerResponse::StatusCode status)
{
    return QHttpServerResponse(QByteArrayLiteral("text/plain; charset=utf-8"), text + '\n', status);
}

} // namespace

PrometheusExporter::PrometheusExporter(std::function<QByteArray()> render, QObject *parent)
    : QObject(parent)
    , m_render(std::move(render))
    , m_server(std::make_unique<QHttpServer>())
{
    using Method = QHttpServerRequest::Method;
    using Status = QHttpServerResponse::StatusCode;
    m_server->route(u"/metrics"_s, Method::Get, [this](const QHttpServerRequest &request) {
        if (!request.body().isEmpty())
            return plain("GET /metrics takes no body", Status::PayloadTooLarge);
        if (m_address.isLoopback() && !isLoopbackHost(request.value(QByteArrayLiteral("Host"))))
            return plain("this port answers loopback host names only", Status::Forbidden);
        if (!m_token.isEmpty() &&
            !bearerMatches(request.value(QByteArrayLiteral("Authorization")), m_token)) {
            QHttpServerResponse refused =
                plain("send the token of metrics.tokenFile as \"Authorization: Bearer <token>\"",
                      Status::Unauthorized);
            refused.setHeader(QByteArrayLiteral("WWW-Authenticate"),
                              QByteArrayLiteral("Bearer realm=\"berthd\""));
            return refused;
        }
        ++m_scrapes;
        const QByteArray contentType(PrometheusText::ContentType.data(),
                                     PrometheusText::ContentType.size());
        return QHttpServerResponse(contentType, m_render());
    });
    m_server->route(u"/metrics"_s, Method::AnyKnown, [](const QHttpServerRequest &) {
        return plain("only GET /metrics", Status::MethodNotAllowed);
    });
}

PrometheusExporter::~PrometheusExporter() = default;

Result<void> PrometheusExporter::listen(const QHostAddress &address, quint16 port)
{
    m_address = address;
    m_port = m_server->listen(address, port);
    if (m_port == 0)
        return Error(ErrorCode::Unavailable,
                     u"cannot serve /metrics on %1:%2 (in use?): set metrics.listen.port in "
                     "berthd.yaml to a free port"_s.arg(address.toString())
                         .arg(port));
    return {};
}

} // namespace berth::provider
