#include "chain/jsonrpcclient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QTimer>

#include <algorithm>
#include <memory>

using namespace Qt::StringLiterals;

namespace berth::chain {

Q_LOGGING_CATEGORY(lcRpc, "berth.core.chain.rpc", QtWarningMsg)

namespace {

// What the user sees of an endpoint: scheme, host and port. Paths and queries
// often carry a provider's API key, so they are elided, and so is any user info.
QString displayUrl(const QUrl &url)
{
    QString shown = url.toString(QUrl::RemoveUserInfo | QUrl::RemovePath | QUrl::RemoveQuery |
                                 QUrl::RemoveFragment | QUrl::StripTrailingSlash);
    if (!url.path().isEmpty() && url.path() != u"/")
        shown += u"/…"_s;
    return shown;
}

QString sizeText(qint64 bytes)
{
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
        return u"%1 MiB"_s.arg(bytes / (1024 * 1024));
    if (bytes >= 1024 && bytes % 1024 == 0)
        return u"%1 KiB"_s.arg(bytes / 1024);
    return u"%1 bytes"_s.arg(bytes);
}

bool isTransientHttpStatus(int status)
{
    return status == 429 || status == 502 || status == 503 || status == 504;
}

// A "0x"-prefixed, even-length hex string as bytes; nullopt for anything else.
std::optional<QByteArray> strictHex(const QJsonValue &value)
{
    if (!value.isString())
        return std::nullopt;
    const QString text = value.toString();
    if (!text.startsWith(u"0x") || text.size() % 2 != 0)
        return std::nullopt;
    for (qsizetype i = 2; i < text.size(); ++i) {
        const char16_t c = text.at(i).unicode();
        const bool hex =
            (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
        if (!hex)
            return std::nullopt;
    }
    return QByteArray::fromHex(text.mid(2).toLatin1());
}

} // namespace

struct JsonRpcClient::Pending
{
    QString method;
    QByteArray body;
    qint64 id = 0;
    int attempt = 0;
    bool hasContext = false;
    QPointer<QObject> context;
    Callback done;

    bool contextAlive() const { return !hasContext || !context.isNull(); }
    void deliver(Result<QJsonValue> result)
    {
        if (!contextAlive() || !done)
            return;
        // Move the callback out first: it may destroy the client (and this Pending's owner).
        Callback callback = std::move(done);
        done = nullptr;
        callback(std::move(result));
    }
};

JsonRpcClient::JsonRpcClient(const QUrl &url, QObject *parent)
    : JsonRpcClient(url, Options{}, parent)
{}

JsonRpcClient::JsonRpcClient(const QUrl &url, const Options &options, QObject *parent)
    : QObject(parent)
    , m_url(url)
    , m_options(options)
    , m_network(new QNetworkAccessManager(this))
{}

JsonRpcClient::~JsonRpcClient() = default;

void JsonRpcClient::call(const QString &method, const QJsonArray &params, QObject *context,
                         Callback done)
{
    auto pending = std::make_shared<Pending>();
    pending->method = method;
    pending->id = qint64(m_nextId++);
    pending->hasContext = true;
    pending->context = context ? context : this;
    pending->done = std::move(done);
    const QJsonObject request{{u"jsonrpc"_s, u"2.0"_s},
                              {u"id"_s, pending->id},
                              {u"method"_s, method},
                              {u"params"_s, params}};
    pending->body = QJsonDocument(request).toJson(QJsonDocument::Compact);
    send(pending);
}

void JsonRpcClient::send(const std::shared_ptr<Pending> &pending)
{
    if (!pending->contextAlive())
        return;
    QNetworkRequest request(m_url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setTransferTimeout(m_options.requestTimeoutMs);
    qCDebug(lcRpc) << "->" << pending->method << "id" << pending->id << "attempt"
                   << pending->attempt;
    QNetworkReply *reply = m_network->post(request, pending->body);

    auto tooLarge = std::make_shared<bool>(false);
    const qint64 cap = m_options.maxResponseBytes;
    connect(reply, &QNetworkReply::metaDataChanged, this, [reply, tooLarge, cap] {
        const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
        if (length.isValid() && length.toLongLong() > cap) {
            *tooLarge = true;
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::downloadProgress, this,
            [reply, tooLarge, cap](qint64 received, qint64) {
                if (received > cap && !*tooLarge) {
                    *tooLarge = true;
                    reply->abort();
                }
            });
    connect(reply, &QNetworkReply::finished, this, [this, reply, pending, tooLarge, cap] {
        reply->deleteLater();
        const QString where = displayUrl(m_url);
        if (*tooLarge) {
            pending->deliver(
                Error(ErrorCode::TooLarge, tr("the chain at %1 answered %2 with more than %3; "
                                              "ask for less (a smaller block range for logs)")
                                               .arg(where, pending->method)
                                               .arg(sizeText(cap))));
            return;
        }
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QNetworkReply::NetworkError networkError = reply->error();
        if (isTransientHttpStatus(status)) {
            retryOrFail(pending, Error(ErrorCode::Unavailable,
                                       tr("the chain at %1 is busy or down (HTTP %2 for %3); "
                                          "try again later or use another RPC endpoint")
                                           .arg(where)
                                           .arg(status)
                                           .arg(pending->method)));
            return;
        }
        if (status == 0) { // no HTTP answer at all
            switch (networkError) {
            case QNetworkReply::ConnectionRefusedError:
                retryOrFail(pending,
                            Error(ErrorCode::Unavailable,
                                  tr("cannot reach the chain at %1: connection refused. Is the "
                                     "node running? `berthctl chain devnet` starts a local one")
                                      .arg(where)));
                return;
            case QNetworkReply::RemoteHostClosedError:
            case QNetworkReply::TemporaryNetworkFailureError:
            case QNetworkReply::NetworkSessionFailedError:
            case QNetworkReply::UnknownNetworkError:
                retryOrFail(pending, Error(ErrorCode::Unavailable,
                                           tr("cannot reach the chain at %1: %2. Check the "
                                              "network and the RPC URL")
                                               .arg(where, reply->errorString())));
                return;
            case QNetworkReply::TimeoutError:
            case QNetworkReply::OperationCanceledError: // the transfer timeout aborts the reply
            case QNetworkReply::ProxyTimeoutError:
                retryOrFail(pending, Error(ErrorCode::Timeout,
                                           tr("the chain at %1 did not answer %2 within %3 s; it "
                                              "may be overloaded: try again or use another RPC "
                                              "endpoint")
                                               .arg(where, pending->method)
                                               .arg(m_options.requestTimeoutMs / 1000.0)));
                return;
            case QNetworkReply::HostNotFoundError:
                pending->deliver(Error(ErrorCode::Unavailable,
                                       tr("cannot reach the chain at %1: host not found. Check "
                                          "the RPC URL")
                                           .arg(where)));
                return;
            default:
                pending->deliver(
                    Error(ErrorCode::Unavailable,
                          tr("cannot reach the chain at %1: %2").arg(where, reply->errorString())));
                return;
            }
        }

        const QByteArray body = reply->readAll();
        if (body.size() > cap) {
            pending->deliver(
                Error(ErrorCode::TooLarge, tr("the chain at %1 answered %2 with more than %3")
                                               .arg(where, pending->method)
                                               .arg(sizeText(cap))));
            return;
        }
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
        const QJsonObject object = document.object();
        const bool rpcShaped =
            parseError.error == QJsonParseError::NoError && document.isObject() &&
            (object.contains(u"result"_s) || object.value(u"error"_s).isObject());
        if (!rpcShaped) {
            if (status == 401 || status == 403) {
                pending->deliver(Error(ErrorCode::AuthFailed,
                                       tr("the chain at %1 refused the request (HTTP %2); check "
                                          "the RPC URL's API key or credentials")
                                           .arg(where)
                                           .arg(status)));
            } else if (status != 200) {
                pending->deliver(Error(ErrorCode::BadResponse,
                                       tr("the chain at %1 answered %2 with HTTP %3 and no "
                                          "JSON-RPC response; is this an Ethereum RPC URL?")
                                           .arg(where, pending->method)
                                           .arg(status)));
            } else {
                pending->deliver(Error(ErrorCode::BadResponse,
                                       tr("the chain at %1 answered %2 with something that is "
                                          "not a JSON-RPC response; is this an Ethereum RPC URL?")
                                           .arg(where, pending->method)));
            }
            return;
        }
        const QJsonValue id = object.value(u"id"_s);
        if (!id.isDouble() || id.toInteger(-1) != pending->id) {
            pending->deliver(Error(ErrorCode::BadResponse,
                                   tr("the chain at %1 answered %2 with the wrong request id")
                                       .arg(where, pending->method)));
            return;
        }
        if (object.value(u"error"_s).isObject()) { // some servers send "error": null
            pending->deliver(
                mapRpcError(object.value(u"error"_s).toObject(), pending->method, m_url));
            return;
        }
        pending->deliver(object.value(u"result"_s));
    });
}

void JsonRpcClient::retryOrFail(const std::shared_ptr<Pending> &pending, Error error)
{
    if (pending->attempt >= m_options.retries) {
        pending->deliver(std::move(error));
        return;
    }
    const int delay = int(std::min<qint64>(
        m_options.backoffCapMs, qint64(m_options.backoffBaseMs) << std::min(pending->attempt, 20)));
    ++pending->attempt;
    qCDebug(lcRpc) << "retrying" << pending->method << "in" << delay << "ms:" << error.message;
    QTimer::singleShot(delay, this, [this, pending] { send(pending); });
}

Error JsonRpcClient::mapRpcError(const QJsonObject &error, const QString &method, const QUrl &url)
{
    const QString where = displayUrl(url);
    const qint64 code = error.value(u"code"_s).toInteger();
    const QString message = error.value(u"message"_s).toString();
    const QString lower = message.toLower();
    const QJsonValue data = error.value(u"data"_s);

    std::optional<QByteArray> revertData = strictHex(data);
    if (!revertData && data.isObject())
        revertData = strictHex(data.toObject().value(u"data"_s));
    if (revertData || lower.contains(u"execution reverted"_s) || lower.contains(u"revert"_s)) {
        return Error(ErrorCode::Reverted,
                     tr("%1 reverted on the chain at %2: %3")
                         .arg(method, where, message.isEmpty() ? u"no reason given"_s : message),
                     revertData.value_or(QByteArray()));
    }
    if (lower.contains(u"insufficient funds"_s)) {
        return Error(ErrorCode::InsufficientFunds,
                     tr("the account cannot pay for %1 on the chain at %2 (%3); fund it with "
                        "the chain's native coin for gas")
                         .arg(method, where, message));
    }
    if (lower.contains(u"nonce too low"_s) || lower.contains(u"already known"_s) ||
        lower.contains(u"replacement transaction underpriced"_s) ||
        lower.contains(u"nonce has already been used"_s)) {
        return Error(ErrorCode::Conflict,
                     tr("the chain at %1 refused %2: %3. Another transaction from this account "
                        "got there first; check its pending transactions and try again")
                         .arg(where, method, message));
    }
    if (code == -32601) {
        return Error(ErrorCode::Unsupported,
                     tr("the chain at %1 does not support %2 (%3)").arg(where, method, message));
    }
    return Error(ErrorCode::BadResponse,
                 tr("the chain at %1 refused %2: %3 (error %4)")
                     .arg(where, method, message.isEmpty() ? u"no message"_s : message)
                     .arg(code));
}

} // namespace berth::chain
