#pragma once

#include "core/result.h"
#include "provider/httpclient.h"

#include <QByteArray>
#include <QJsonDocument>
#include <QString>

namespace berth::provider {

// Podman's libpod REST API (v4.0.0) on its unix socket: requests with the
// content type Podman needs, and its answers as error values.
class PodmanApi
{
public:
    explicit PodmanApi(const QString &socketPath);

    // `method` on /v4.0.0/libpod<path> with a JSON body (or none).
    Result<HttpResponse> call(const QByteArray &method, const QString &path,
                              const QByteArray &body = {}, int timeoutMs = 30000);
    // POST of a file as the body (an image archive).
    Result<HttpResponse> upload(const QString &path, const QString &file,
                                const QByteArray &contentType, int timeoutMs);
    // GET of `path` as JSON: an HTTP error is error(response, action), a body
    // that is not JSON is json(response, document).
    Result<QJsonDocument> getJson(const QString &path, const QString &action,
                                  const QString &document);
    // Unavailable (naming the socket) unless Podman answers /_ping.
    Result<void> ping();

    const QString &socketPath() const { return m_http.unixSocket(); }

    // An HTTP error status as an error value: 400 and 422 InvalidArgument, 404
    // NotFound, 409 Conflict, anything else Unavailable. The message reads
    // "Podman could not <what>: HTTP <status>: <Podman's message>".
    static Error error(const HttpResponse &response, const QString &what);
    // The body as JSON; BadResponse when it is not.
    static Result<QJsonDocument> json(const HttpResponse &response, const QString &what);
    // Percent-encoded, for a path segment or a query value.
    static QString encoded(const QString &text);

private:
    HttpClient m_http;
};

} // namespace berth::provider
