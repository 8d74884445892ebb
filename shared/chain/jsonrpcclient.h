#pragma once

#include "core/result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QObject>
#include <QUrl>

#include <functional>
#include <memory>

class QNetworkAccessManager;

namespace berth::chain {

// JSON-RPC 2.0 over HTTP(S) POST, asynchronous. Transient transport failures
// (connection refused or reset, timeouts, HTTP 429/502/503/504) are retried with
// exponential backoff; JSON-RPC errors never are (a revert is final). Errors come
// back as values whose message names the endpoint and says what to do next.
class JsonRpcClient : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        int requestTimeoutMs = 15000; // per attempt (QNetworkRequest::setTransferTimeout)
        int retries = 3;              // extra attempts after a transient failure
        int backoffBaseMs = 200;      // wait base × 2^attempt before retrying ...
        int backoffCapMs = 5000;      // ... but never longer than this
        qint64 maxResponseBytes = 16 * 1024 * 1024;
    };

    using Callback = std::function<void(Result<QJsonValue>)>;

    explicit JsonRpcClient(const QUrl &url, QObject *parent = nullptr);
    JsonRpcClient(const QUrl &url, const Options &options, QObject *parent = nullptr);
    ~JsonRpcClient() override;

    QUrl url() const { return m_url; }
    const Options &options() const { return m_options; }

    // Calls `method` and hands the "result" member (or an Error) to `done`, from the
    // event loop. `done` is dropped without being called if `context` (or this
    // client) is destroyed first. A null context means the client itself.
    void call(const QString &method, const QJsonArray &params, QObject *context, Callback done);

    // Maps a JSON-RPC "error" object to an Error (exposed for tests and for
    // callers that receive errors by other routes).
    static Error mapRpcError(const QJsonObject &error, const QString &method, const QUrl &url);

private:
    struct Pending;
    void send(const std::shared_ptr<Pending> &pending);
    void retryOrFail(const std::shared_ptr<Pending> &pending, Error error);

    QUrl m_url;
    Options m_options;
    QNetworkAccessManager *m_network = nullptr;
    quint64 m_nextId = 1;
};

} // namespace berth::chain
