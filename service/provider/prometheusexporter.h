#pragma once

#include "core/result.h"
#include "crypto/secretbytes.h"

#include <QByteArray>
#include <QHostAddress>
#include <QObject>

#include <functional>
#include <memory>

QT_BEGIN_NAMESPACE
class QHttpServer;
QT_END_NAMESPACE

namespace berth::provider {

// berthd's /metrics (docs/provider.md, "Monitoring"): Prometheus text format
// 0.0.4 on a port of its own through QHttpServer, loopback by default. Only
// GET /metrics answers (405 for another method, 404 for another path, 413 for
// a request with a body). On a loopback address the Host header must name
// loopback too, so a web page cannot read it through DNS rebinding. With a
// bearer token set, a scrape without "Authorization: Bearer <token>" gets 401.
// `render` builds the text on each scrape (on the owner's thread).
class PrometheusExporter : public QObject
{
    Q_OBJECT

public:
    explicit PrometheusExporter(std::function<QByteArray()> render, QObject *parent = nullptr);
    ~PrometheusExporter() override;

    // Port 0: any free port (see port()). Unavailable when it cannot be bound.
    Result<void> listen(const QHostAddress &address, quint16 port);
    quint16 port() const { return m_port; }
    quint64 scrapes() const { return m_scrapes; }
    // Scrapes must carry this token from now on (empty: no authentication).
    void setBearerToken(crypto::SecretBytes token) { m_token = std::move(token); }

private:
    std::function<QByteArray()> m_render;
    std::unique_ptr<QHttpServer> m_server;
    QHostAddress m_address;
    quint16 m_port = 0;
    quint64 m_scrapes = 0;
    crypto::SecretBytes m_token;
};

} // namespace berth::provider
