#include "crypto/eip191.h"
#include "crypto/privatekey.h"
#include "devkeys.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::crypto;

namespace {

// Made once with Foundry's cast 1.7.1 (contracts/node_modules):
//   cast wallet sign --private-key <Anvil key 0> "Hello, Berth!"
// RFC 6979 makes the signature deterministic, so ours must be byte-identical.
const QByteArray kCastHelloSignature =
    "c12060fe3f2cc8d645fd349021c9f1b19a60ef8f8086558ce1304e1ee3cd8509"
    "04fcb713500a436f181cc503266ba72078fa9eca00e5130da92e4302db66af9b1c";
//   cast wallet sign --private-key <Anvil key 0> ""
const QByteArray kCastEmptySignature =
    "c1977b761f1dd36c29795783460d241885c8e7f9d962dbe7bba2753fd94e89b4"
    "44a1cd9ed855dd09afa3b73f7c2bd097ec9abc2d2775d737505a02d3f0cafa591b";

PrivateKey anvilKey0()
{
    return PrivateKey::fromHex(kAnvilKey0).value();
}

} // namespace

class TestEip191 : public QObject
{
    Q_OBJECT

private slots:
    void digestPrefixesTheDecimalLength()
    {
        // cast hash-message "hello world" (also the example in viem's hashMessage docs).
        QCOMPARE(personalMessageDigest("hello world").toHex(),
                 "d9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68");
        // cast hash-message "Hello, Berth!" (13 bytes: the length is "13", not "\x0d").
        QCOMPARE(personalMessageDigest("Hello, Berth!").toHex(),
                 "ae57ccb5c9c31b8c5304fddb63e8cb0448165cd5e7dc3170ffdbe66d0a4170cf");
    }

    void signatureMatchesCast()
    {
        const PrivateKey key = anvilKey0();
        QCOMPARE(signPersonalMessage(key, "Hello, Berth!").toRsv().toHex(), kCastHelloSignature);
        QCOMPARE(signPersonalMessage(key, "").toRsv().toHex(), kCastEmptySignature);
    }

    void castSignatureRecoversTheSigner()
    {
        // What `cast wallet verify --address 0xf39F… "Hello, Berth!" <sig>` accepts.
        auto signer =
            recoverPersonalMessageSigner("Hello, Berth!", QByteArray::fromHex(kCastHelloSignature));
        QVERIFY(signer.ok());
        QCOMPARE(signer->toChecksumString(), kAnvilAddress0);
    }

    void signatureOverAnotherMessageNamesAnotherSigner()
    {
        auto signer =
            recoverPersonalMessageSigner("Hello, Berth?", QByteArray::fromHex(kCastHelloSignature));
        QVERIFY(!signer.ok() || signer->toChecksumString() != kAnvilAddress0);
    }

    void vZeroOrOneIsAcceptedLikeTwentySevenOrEight()
    {
        QByteArray sig = QByteArray::fromHex(kCastHelloSignature);
        sig[64] = char(sig[64] - 27);
        auto signer = recoverPersonalMessageSigner("Hello, Berth!", sig);
        QVERIFY(signer.ok());
        QCOMPARE(signer->toChecksumString(), kAnvilAddress0);
    }

    void malformedSignatureIsAnAuthError()
    {
        auto shortSig = recoverPersonalMessageSigner(
            "Hello, Berth!", QByteArray::fromHex(kCastHelloSignature).first(64));
        QVERIFY(!shortSig.ok());
        QCOMPARE(shortSig.error().code, ErrorCode::AuthFailed);
        QVERIFY(shortSig.error().message.contains(u"65 bytes"_s));

        QByteArray badV = QByteArray::fromHex(kCastHelloSignature);
        badV[64] = char(29);
        auto v29 = recoverPersonalMessageSigner("Hello, Berth!", badV);
        QVERIFY(!v29.ok());
        QCOMPARE(v29.error().code, ErrorCode::AuthFailed);
    }

    void freshKeyRoundTrips()
    {
        const PrivateKey key = PrivateKey::generate();
        const QByteArray message = QByteArray("nonce 42\n\x00\xff binary", 18);
        auto signer =
            recoverPersonalMessageSigner(message, signPersonalMessage(key, message).toRsv());
        QVERIFY(signer.ok());
        QCOMPARE(signer.value(), key.address());
    }
};

QTEST_GUILESS_MAIN(TestEip191)
#include "tst_eip191.moc"
