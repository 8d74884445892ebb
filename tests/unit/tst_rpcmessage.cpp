#include "protocol/methodnames.h"
#include "protocol/protocolversion.h"
#include "protocol/rpcmessage.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::protocol;

namespace {

constexpr qsizetype kLimit = 64 * 1024;

// The protocol error a frame is refused with, and the id the answer carries.
struct Refusal
{
    RpcErrorCode code;
    QString message;
    RequestId id;
};

Refusal refuse(QByteArrayView frame, qsizetype limit = kLimit)
{
    auto decoded = decodeFrame(frame, limit);
    if (decoded.ok()) {
        qWarning("frame was accepted: %s", frame.toByteArray().constData());
        return {RpcErrorCode::InternalError, {}, {}};
    }
    const Response answer = decodeErrorResponse(decoded.error());
    return {answer.error->code, answer.error->message, answer.id};
}

} // namespace

class TestRpcMessage : public QObject
{
    Q_OBJECT

private slots:
    void versionAndMethods()
    {
        QCOMPARE(ProtocolVersion, 1);
        QCOMPARE(method::all().size(), 15);
        QCOMPARE(QString(method::PodProvision), u"pod.provision"_s);
        QVERIFY(method::allowedBeforeLogin(u"session.hello"));
        QVERIFY(!method::allowedBeforeLogin(u"pod.delete"));
    }

    void errorCodesAreStable()
    {
        QCOMPARE(int(RpcErrorCode::ParseError), -32700);
        QCOMPARE(int(RpcErrorCode::InvalidRequest), -32600);
        QCOMPARE(int(RpcErrorCode::MethodNotFound), -32601);
        QCOMPARE(int(RpcErrorCode::InvalidParams), -32602);
        QCOMPARE(int(RpcErrorCode::InternalError), -32603);
        QCOMPARE(int(RpcErrorCode::Unauthenticated), 1001);
        QCOMPARE(int(RpcErrorCode::InvalidManifest), 1008);
        QCOMPARE(int(RpcErrorCode::UnsupportedVersion), 1013);
        QCOMPARE(rpcErrorName(RpcErrorCode::QuoteExpired), u"QuoteExpired"_s);
        QCOMPARE(rpcErrorName(static_cast<RpcErrorCode>(4242)), u"Unknown"_s);
    }

    void decodesRequestWithIntegerAndStringIds()
    {
        auto decoded = decodeFrame(
            R"({"jsonrpc":"2.0","id":7,"method":"pod.status","params":{"deployment":"web"}})",
            kLimit);
        QVERIFY(decoded.ok());
        const auto *request = std::get_if<Request>(&*decoded);
        QVERIFY(request);
        QVERIFY(request->id.isInteger());
        QCOMPARE(request->id.toInteger(), 7);
        QCOMPARE(request->method, u"pod.status"_s);
        QCOMPARE(request->params.value(u"deployment"_s).toString(), u"web"_s);

        decoded = decodeFrame(R"({"jsonrpc":"2.0","id":"a-1","method":"session.hello"})", kLimit);
        QVERIFY(decoded.ok());
        request = std::get_if<Request>(&*decoded);
        QVERIFY(request);
        QCOMPARE(request->id, RequestId(u"a-1"_s));
        QVERIFY(request->params.isEmpty()); // absent params are an empty object
    }

    void decodesNotification()
    {
        auto decoded =
            decodeFrame(R"({"jsonrpc":"2.0","method":"pod.logs","params":{"line":"hi"}})", kLimit);
        QVERIFY(decoded.ok());
        const auto *notification = std::get_if<Notification>(&*decoded);
        QVERIFY(notification);
        QCOMPARE(notification->method, u"pod.logs"_s);
        QCOMPARE(notification->params.value(u"line"_s).toString(), u"hi"_s);
    }

    void decodesResponses()
    {
        auto decoded = decodeFrame(R"({"jsonrpc":"2.0","id":3,"result":{"ok":true}})", kLimit);
        QVERIFY(decoded.ok());
        const auto *response = std::get_if<Response>(&*decoded);
        QVERIFY(response);
        QVERIFY(!response->isError());
        QCOMPARE(response->id.toInteger(), 3);
        QCOMPARE(response->result.toObject().value(u"ok"_s).toBool(), true);

        decoded = decodeFrame(
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad","data":[1]}})",
            kLimit);
        QVERIFY(decoded.ok());
        response = std::get_if<Response>(&*decoded);
        QVERIFY(response && response->isError());
        QVERIFY(response->id.isNull());
        QCOMPARE(response->error->code, RpcErrorCode::ParseError);
        QCOMPARE(response->error->message, u"bad"_s);
        QCOMPARE(response->error->data.toArray().size(), 1);

        // A code this build does not know still arrives intact.
        decoded = decodeFrame(R"({"jsonrpc":"2.0","id":"x","error":{"code":4242,"message":"?"}})",
                              kLimit);
        QVERIFY(decoded.ok());
        QCOMPARE(int(std::get<Response>(*decoded).error->code), 4242);
    }

    void refusesOversizeBeforeParsing()
    {
        // Not even JSON: the size check comes first.
        const QByteArray big(kLimit + 1, '{');
        const Refusal r = refuse(big);
        QCOMPARE(r.code, RpcErrorCode::TooLarge);
        QVERIFY(r.message.contains(u"the limit is 65536"_s));
        QVERIFY(r.id.isNull());
        // Exactly at the limit is fine.
        QByteArray exact =
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"pod.status\",\"params\":{\"p\":\"";
        exact += QByteArray(kLimit - exact.size() - 3, 'a') + "\"}}";
        QCOMPARE(exact.size(), kLimit);
        QVERIFY(decodeFrame(exact, kLimit).ok());
    }

    void refusesDeepNesting()
    {
        QByteArray deep = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"a\":";
        for (int i = 0; i < MaxFrameDepth; ++i)
            deep += '[';
        deep += QByteArray(MaxFrameDepth, ']') + "}}";
        const Refusal r = refuse(deep);
        QCOMPARE(r.code, RpcErrorCode::ParseError);
        QVERIFY(r.message.contains(u"deeper than 32"_s));

        // Brackets in strings do not count, and 32 levels in all are fine.
        QByteArray ok = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"s\":\"[[[[{{{"
                        "{\\\"[\",\"a\":";
        ok += QByteArray(MaxFrameDepth - 2, '[') + QByteArray(MaxFrameDepth - 2, ']') + "}}";
        QVERIFY(decodeFrame(ok, kLimit).ok());
    }

    void refusesMalformedJson()
    {
        const Refusal r = refuse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":");
        QCOMPARE(r.code, RpcErrorCode::ParseError);
        QVERIFY(r.message.startsWith(u"the frame is not JSON"_s));
        QVERIFY(r.id.isNull());
        QCOMPARE(refuse("").code, RpcErrorCode::ParseError);
    }

    void refusesBatches()
    {
        const Refusal r = refuse(R"([{"jsonrpc":"2.0","id":1,"method":"pod.status"}])");
        QCOMPARE(r.code, RpcErrorCode::InvalidRequest);
        QVERIFY(r.message.contains(u"batches are not supported"_s));
        QVERIFY(r.id.isNull());
    }

    void refusesEnvelopeViolations_data()
    {
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("fragment");
        QTest::addColumn<bool>("keepsId");

        const int invalid = int(RpcErrorCode::InvalidRequest);
        const int params = int(RpcErrorCode::InvalidParams);
        QTest::newRow("no jsonrpc") << QByteArray(R"({"id":5,"method":"m"})") << invalid
                                    << u"jsonrpc must be \"2.0\""_s << true;
        QTest::newRow("jsonrpc 1.0") << QByteArray(R"({"jsonrpc":"1.0","id":5,"method":"m"})")
                                     << invalid << u"jsonrpc must be"_s << true;
        QTest::newRow("jsonrpc number") << QByteArray(R"({"jsonrpc":2.0,"id":5,"method":"m"})")
                                        << invalid << u"jsonrpc must be"_s << true;
        QTest::newRow("method number") << QByteArray(R"({"jsonrpc":"2.0","id":5,"method":1})")
                                       << invalid << u"method must be a non-empty string"_s << true;
        QTest::newRow("method empty") << QByteArray(R"({"jsonrpc":"2.0","id":5,"method":""})")
                                      << invalid << u"method must be"_s << true;
        QTest::newRow("positional params")
            << QByteArray(R"({"jsonrpc":"2.0","id":5,"method":"m","params":[1,2]})") << params
            << u"positional params are not supported"_s << true;
        QTest::newRow("params string")
            << QByteArray(R"({"jsonrpc":"2.0","id":5,"method":"m","params":"x"})") << params
            << u"params must be an object"_s << true;
        QTest::newRow("params null")
            << QByteArray(R"({"jsonrpc":"2.0","id":5,"method":"m","params":null})") << params
            << u"params must be an object"_s << true;
        QTest::newRow("id null") << QByteArray(R"({"jsonrpc":"2.0","id":null,"method":"m"})")
                                 << invalid << u"id must be an integer or a string"_s << false;
        QTest::newRow("id fraction") << QByteArray(R"({"jsonrpc":"2.0","id":1.5,"method":"m"})")
                                     << invalid << u"id must be"_s << false;
        QTest::newRow("id object") << QByteArray(R"({"jsonrpc":"2.0","id":{},"method":"m"})")
                                   << invalid << u"id must be"_s << false;
        QTest::newRow("id bool") << QByteArray(R"({"jsonrpc":"2.0","id":true,"method":"m"})")
                                 << invalid << u"id must be"_s << false;
        QTest::newRow("unknown member")
            << QByteArray(R"({"jsonrpc":"2.0","id":5,"method":"m","extra":1})") << invalid
            << u"no member \"extra\""_s << true;
        QTest::newRow("neither") << QByteArray(R"({"jsonrpc":"2.0","id":5})") << invalid
                                 << u"neither a method nor a result or error"_s << true;
        QTest::newRow("scalar") << QByteArray("42") << int(RpcErrorCode::ParseError) << QString()
                                << false;
        QTest::newRow("result and error")
            << QByteArray(R"({"jsonrpc":"2.0","id":5,"result":1,"error":{"code":1,"message":""}})")
            << invalid << u"exactly one of result and error"_s << true;
        QTest::newRow("response without id") << QByteArray(R"({"jsonrpc":"2.0","result":1})")
                                             << invalid << u"must have an id"_s << false;
        QTest::newRow("result with null id")
            << QByteArray(R"({"jsonrpc":"2.0","id":null,"result":1})") << invalid
            << u"non-null id"_s << false;
        QTest::newRow("error code string")
            << QByteArray(R"({"jsonrpc":"2.0","id":5,"error":{"code":"1","message":"m"}})")
            << invalid << u"error.code must be an integer"_s << true;
        QTest::newRow("error without message")
            << QByteArray(R"({"jsonrpc":"2.0","id":5,"error":{"code":1}})") << invalid
            << u"error.message must be a string"_s << true;
        QTest::newRow("error not object")
            << QByteArray(R"({"jsonrpc":"2.0","id":5,"error":"boom"})") << invalid
            << u"error must be an object"_s << true;
    }

    void refusesEnvelopeViolations()
    {
        QFETCH(QByteArray, frame);
        QFETCH(int, code);
        QFETCH(QString, fragment);
        QFETCH(bool, keepsId);

        const Refusal r = refuse(frame);
        QCOMPARE(int(r.code), code);
        QVERIFY2(r.message.contains(fragment), qPrintable(r.message));
        // The answer carries the request's id when it could be read, null otherwise.
        if (keepsId)
            QCOMPARE(r.id, RequestId(5));
        else
            QVERIFY(r.id.isNull());
    }

    void stringIdKeptInRefusal()
    {
        const Refusal r = refuse(R"({"jsonrpc":"2.0","id":"req-9","method":"m","params":[]})");
        QCOMPARE(r.code, RpcErrorCode::InvalidParams);
        QCOMPARE(r.id, RequestId(u"req-9"_s));
        // The answer is itself a valid frame.
        auto answer =
            decodeFrame(encodeResponse(decodeErrorResponse(
                            decodeFrame(R"({"jsonrpc":"2.0","id":"req-9"})", kLimit).error())),
                        kLimit);
        QVERIFY(answer.ok());
        QCOMPARE(std::get<Response>(*answer).id, RequestId(u"req-9"_s));
        QCOMPARE(std::get<Response>(*answer).error->code, RpcErrorCode::InvalidRequest);
    }

    void roundTrips()
    {
        const Request request{RequestId(42), u"pod.quote"_s,
                              QJsonObject{{u"cpu"_s, 0.5}, {u"name"_s, u"web"_s}}};
        QCOMPARE(
            encodeRequest(request),
            R"({"id":42,"jsonrpc":"2.0","method":"pod.quote","params":{"cpu":0.5,"name":"web"}})");
        const Incoming messages[] = {
            request,
            Request{RequestId(u"s"_s), u"session.hello"_s, {}},
            Request{RequestId(RequestId::MaxInteger), u"m"_s, {}},
            Request{RequestId(-3), u"m"_s, {}},
            Notification{u"pod.logs"_s, QJsonObject{{u"line"_s, u"é"_s}}},
            Response::success(RequestId(1), QJsonArray{1, u"two"_s}),
            Response::success(RequestId(u"x"_s), QJsonValue()),
            Response::failure(RequestId(),
                              RpcError{.code = RpcErrorCode::ParseError, .message = u"bad"_s}),
            Response::failure(RequestId(2), RpcError{RpcErrorCode::InvalidManifest, u"m"_s,
                                                     QJsonArray{QJsonObject{{u"path"_s, u"a"_s}}}}),
        };
        for (const Incoming &message : messages) {
            const QByteArray frame = encode(message);
            auto decoded = decodeFrame(frame, kLimit);
            QVERIFY2(decoded.ok(), frame.constData());
            QVERIFY2(*decoded == message, frame.constData());
            QCOMPARE(encode(*decoded), frame);
        }
        // A failure without data leaves the member out.
        QCOMPARE(encodeResponse(Response::failure(
                     RequestId(1), RpcError{.code = RpcErrorCode::NotFound, .message = u"gone"_s})),
                 R"({"error":{"code":1005,"message":"gone"},"id":1,"jsonrpc":"2.0"})");
    }

    void handlerErrorsMapToCodes()
    {
        // A named protocol code survives; data travels with it.
        const Error named = makeRpcError(RpcErrorCode::QuoteExpired, u"quote expired"_s,
                                         QJsonObject{{u"expires"_s, 10}});
        QCOMPARE(named.code, ErrorCode::Conflict);
        const RpcError wire = toRpcError(named);
        QCOMPARE(wire.code, RpcErrorCode::QuoteExpired);
        QCOMPARE(wire.message, u"quote expired"_s);
        QCOMPARE(wire.data.toObject().value(u"expires"_s).toInt(), 10);
        // Plain errors from other layers map by ErrorCode.
        QCOMPARE(toRpcError(Error(ErrorCode::InsufficientFunds, u"x"_s)).code,
                 RpcErrorCode::PaymentRequired);
        QCOMPARE(toRpcError(Error(ErrorCode::Timeout, u"x"_s)).code, RpcErrorCode::Unavailable);
        QCOMPARE(toRpcError(Error(ErrorCode::AuthFailed, u"x"_s)).code,
                 RpcErrorCode::Unauthenticated);
        QCOMPARE(toRpcError(Error(ErrorCode::Internal, u"x"_s)).code, RpcErrorCode::InternalError);
        QVERIFY(toRpcError(Error(ErrorCode::NotFound, u"x"_s)).data.isUndefined());
        // Another layer's data (a contract's raw revert bytes) is not sent along.
        const RpcError reverted = toRpcError(
            Error(ErrorCode::InsufficientFunds, u"short"_s, QByteArray::fromHex("08c379a0")));
        QCOMPARE(reverted.code, RpcErrorCode::PaymentRequired);
        QVERIFY(reverted.data.isUndefined());
        // A client turns an error response back into an Error with the code intact.
        const Error back = fromRpcError(wire);
        QCOMPARE(back.code, ErrorCode::Conflict);
        QCOMPARE(toRpcError(back), wire);
        QCOMPARE(
            fromRpcError(RpcError{.code = RpcErrorCode::PaymentRequired, .message = u"p"_s}).code,
            ErrorCode::InsufficientFunds);
    }

    void invalidManifestCarriesFieldPaths()
    {
        using manifest::Diagnostic;
        const QList<Diagnostic> diagnostics = {
            Diagnostic{manifest::Severity::Warning, u"name"_s, {1, 1}, u"odd"_s},
            Diagnostic{manifest::Severity::Error,
                       u"containers[0].image"_s,
                       {4, 12},
                       u"image is required"_s},
            Diagnostic{manifest::Severity::Error, u"resources.cpu"_s, {}, u"must be positive"_s},
        };
        const RpcError wire = toRpcError(invalidManifestError(diagnostics));
        QCOMPARE(wire.code, RpcErrorCode::InvalidManifest);
        QCOMPARE(wire.message,
                 u"invalid manifest: containers[0].image: image is required (and 1 more)"_s);
        const QJsonArray items = wire.data.toArray();
        QCOMPARE(items.size(), 2); // warnings are left out
        const QJsonObject first = items.at(0).toObject();
        QCOMPARE(first.value(u"path"_s).toString(), u"containers[0].image"_s);
        QCOMPARE(first.value(u"message"_s).toString(), u"image is required"_s);
        QCOMPARE(first.value(u"line"_s).toInt(), 4);
        QCOMPARE(first.value(u"column"_s).toInt(), 12);
        QCOMPARE(items.at(1).toObject().value(u"line"_s).toInt(), 0);
    }
};

QTEST_GUILESS_MAIN(TestRpcMessage)
#include "tst_rpcmessage.moc"
