#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace berth::provider {

// One HTTP request to a local service berthd drives: Podman's libpod API on its
// unix socket, Caddy's admin API on loopback.
struct HttpRequest
{
    QByteArray method = QByteArrayLiteral("GET");
    QString url; // http://d/v4.0.0/libpod/... (the host is ignored on a unix socket)
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;  // sent when non-empty (and bodyFile is empty)
    QString bodyFile; // stream this file as the body instead (image tarballs)
    int timeoutMs = 30000;
    qint64 maxResponseBytes = 16 * 1024 * 1024;
    // Write the response body to this file (created or truncated) instead of
    // HttpResponse::body; still bounded by maxResponseBytes. The file is left
    // as it is on errors: the caller removes it.
    QString responseFile;
    // How error messages name the other end; empty: the URL without its query
    // (or the unix socket). Set it when the path itself may carry secrets.
    QString where;
};

struct HttpResponse
{
    int status = 0;
    QByteArray body;
    bool ok() const { return status >= 200 && status < 300; }
};

// A blocking HTTP/1.1 client over libcurl, optionally through a unix socket.
// Blocking on purpose: berthd calls runtimes and ingress from a worker thread,
// never from the event loop. One client per thread (it keeps its connection).
// `service` names what is on the other end in error messages ("Podman").
//
// Errors: Unavailable when nothing listens (the message says which service and
// where), Timeout, TooLarge when the answer exceeds maxResponseBytes, IoFailed
// for other transport failures, an unreadable bodyFile or an unwritable
// responseFile. An HTTP error status
// is not an error here: the caller reads HttpResponse::status.
class HttpClient
{
public:
    explicit HttpClient(QString service, QString unixSocket = {});
    ~HttpClient();
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;

    Result<HttpResponse> send(const HttpRequest &request);

    const QString &service() const { return m_service; }
    const QString &unixSocket() const { return m_unixSocket; }

private:
    QString m_service;
    QString m_unixSocket;
    void *m_curl = nullptr; // CURL*, kept for connection reuse
};

// The text of an error body a service sent ({"message": …} for Podman, plain
// text for Caddy), cut to a readable length, for error messages.
QString httpErrorText(const HttpResponse &response);

} // namespace berth::provider
