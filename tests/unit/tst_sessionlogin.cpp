#include "crypto/eip191.h"
#include "crypto/privatekey.h"
#include "devkeys.h"
#include "protocol/rpcerror.h"
#include "protocol/sessionlogin.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::protocol;

namespace {

crypto::Address provider()
{
    return crypto::Address::fromHex(kAnvilAddress1).value();
}

LoginChallenge challenge()
{
    LoginChallenge c;
    c.provider = provider();
    c.nonce = QByteArray::fromHex("00112233445566778899aabbccddeeff");
    c.expires = 1'800'000'000;
    c.chainId = 31337;
    return c;
}

QByteArray signWithKey0(const LoginChallenge &c)
{
    const auto key = crypto::PrivateKey::fromHex(kAnvilKey0).value();
    return crypto::signPersonalMessage(key, loginMessage(c)).toRsv();
}

RpcErrorCode codeOf(const Result<crypto::Address> &result)
{
    return toRpcError(result.error()).code;
}

} // namespace

class TestSessionLogin : public QObject
{
    Q_OBJECT

private slots:
    void messageIsTheDocumentedText()
    {
        QCOMPARE(loginMessage(challenge()),
                 QByteArray("Berth login\n"
                            "provider: 0x70997970C51812dc3A010C7d01b50e0d17dc79C8\n"
                            "nonce: 0x00112233445566778899aabbccddeeff\n"
                            "expires: 1800000000\n"
                            "chain: 31337"));
    }

    void validLoginGivesThePublisher()
    {
        const LoginChallenge c = challenge();
        auto publisher = verifyLogin(c, signWithKey0(c), provider(), c.expires - 60);
        QVERIFY2(publisher.ok(),
                 qPrintable(publisher.ok() ? QString() : publisher.error().message));
        QCOMPARE(publisher->toChecksumString(), kAnvilAddress0);
    }

    void expiredLoginIsRefused()
    {
        const LoginChallenge c = challenge();
        const QByteArray signature = signWithKey0(c);
        auto result = verifyLogin(c, signature, provider(), c.expires);
        QVERIFY(!result.ok());
        QCOMPARE(codeOf(result), RpcErrorCode::LoginExpired);
        QVERIFY(result.error().message.contains(u"expired"_s));
        QCOMPARE(codeOf(verifyLogin(c, signature, provider(), c.expires + 1)),
                 RpcErrorCode::LoginExpired);
    }

    void tooLongASessionIsRefused()
    {
        const LoginChallenge c = challenge();
        auto result =
            verifyLogin(c, signWithKey0(c), provider(), c.expires - MaxLoginLifetimeSeconds - 1);
        QCOMPARE(codeOf(result), RpcErrorCode::Unauthenticated);
        QVERIFY(
            verifyLogin(c, signWithKey0(c), provider(), c.expires - MaxLoginLifetimeSeconds).ok());
    }

    void loginForAnotherProviderIsRefused()
    {
        LoginChallenge c = challenge();
        c.provider = crypto::Address::fromHex(kAnvilAddress0).value();
        auto result = verifyLogin(c, signWithKey0(c), provider(), c.expires - 60);
        QCOMPARE(codeOf(result), RpcErrorCode::Unauthenticated);
        QVERIFY(result.error().message.contains(u"not this one"_s));
    }

    void tamperedLoginRecoversSomeoneElse()
    {
        // The signature was made for another nonce, expiry or chain: it recovers
        // an unrelated address (or none), never the signer's.
        const LoginChallenge signedOne = challenge();
        const QByteArray signature = signWithKey0(signedOne);
        const auto key0 = crypto::Address::fromHex(kAnvilAddress0).value();

        LoginChallenge other = signedOne;
        other.nonce[0] = '\x01';
        auto result = verifyLogin(other, signature, provider(), signedOne.expires - 60);
        QVERIFY(!result.ok() || result.value() != key0);

        other = signedOne;
        other.expires += 3600;
        result = verifyLogin(other, signature, provider(), signedOne.expires - 60);
        QVERIFY(!result.ok() || result.value() != key0);

        other = signedOne;
        other.chainId = 1;
        result = verifyLogin(other, signature, provider(), signedOne.expires - 60);
        QVERIFY(!result.ok() || result.value() != key0);
    }

    void malformedSignatureIsRefused()
    {
        const LoginChallenge c = challenge();
        QByteArray signature = signWithKey0(c);
        auto result = verifyLogin(c, signature.left(64), provider(), c.expires - 60);
        QCOMPARE(codeOf(result), RpcErrorCode::Unauthenticated);
        QVERIFY(result.error().message.contains(u"65 bytes"_s));

        signature[64] = char(5); // v must be 0, 1, 27 or 28
        result = verifyLogin(c, signature, provider(), c.expires - 60);
        QCOMPARE(codeOf(result), RpcErrorCode::Unauthenticated);
        QVERIFY(result.error().message.startsWith(u"the login signature is invalid"_s));
    }
};

QTEST_GUILESS_MAIN(TestSessionLogin)
#include "tst_sessionlogin.moc"
