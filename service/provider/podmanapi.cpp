#include "provider/podmanapi.h"

#include <QJsonObject>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

const auto Api = u"http://d/v4.0.0/libpod"_s;

} // namespace

PodmanApi::PodmanApi(const QString &socketPath)
    : m_http(u"Podman"_s, socketPath)
{}

Result<HttpResponse> PodmanApi::call(const QByteArray &method, const QString &path,
                                     const QByteArray &body, int timeoutMs)
{
    HttpRequest request;
    request.method = method;
    request.url = Api + path;
    request.body = body;
    request.timeoutMs = timeoutMs;
    // Without it libcurl sends a form content type, and Podman then reads the
    // body as a form and loses it.
    request.headers.append(
        {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
    return m_http.send(request);
}

Result<HttpResponse> PodmanApi::upload(const QString &path, const QString &file,
                                       const QByteArray &contentType, int timeoutMs)
{
    HttpRequest request;
    request.method = QByteArrayLiteral("POST");
    request.url = Api + path;
    request.bodyFile = file;
    request.timeoutMs = timeoutMs;
    request.headers.append({QByteArrayLiteral("Content-Type"), contentType});
    return m_http.send(request);
}

Result<void> PodmanApi::ping()
{
    HttpRequest request;
    request.url = u"http://d/_ping"_s;
    request.timeoutMs = 5000;
    auto response = m_http.send(request);
    if (!response)
        return response.error();
    if (!response->ok())
        return Error(ErrorCode::Unavailable, u"Podman at %1 is not healthy: %2"_s.arg(
                                                 m_http.unixSocket(), httpErrorText(*response)));
    return {};
}

Error PodmanApi::error(const HttpResponse &response, const QString &what)
{
    ErrorCode code = ErrorCode::Unavailable;
    switch (response.status) {
    case 400:
    case 422:
        code = ErrorCode::InvalidArgument;
        break;
    case 404:
        code = ErrorCode::NotFound;
        break;
    case 409:
        code = ErrorCode::Conflict;
        break;
    default:
        break;
    }
    return Error(code, u"Podman could not %1: %2"_s.arg(what, httpErrorText(response)));
}

Result<QJsonDocument> PodmanApi::json(const HttpResponse &response, const QString &what)
{
    QJsonParseError parseError;
    const QJsonDocument json = QJsonDocument::fromJson(response.body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return Error(ErrorCode::BadResponse, u"Podman answered %1 with invalid JSON: %2"_s.arg(
                                                 what, parseError.errorString()));
    return json;
}

Result<QJsonDocument> PodmanApi::getJson(const QString &path, const QString &action,
                                         const QString &document)
{
    auto response = call("GET", path);
    if (!response)
        return response.error();
    if (!response->ok())
        return error(*response, action);
    return json(*response, document);
}

QString PodmanApi::encoded(const QString &text)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(text));
}

} // namespace berth::provider
