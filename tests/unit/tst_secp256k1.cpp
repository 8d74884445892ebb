#include "core/uint256.h"
#include "crypto/keccak.h"
#include "crypto/privatekey.h"
#include "devkeys.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::crypto;

namespace {

// Made once with Foundry's cast 1.7.1 (contracts/node_modules), signing the raw
// digest keccak256("berth") = 0xc1feca10…87eb4:
//   cast wallet sign --no-hash --private-key <key> 0xc1feca10…87eb4
const QByteArray kCastSignatureKey0 =
    "1f45f108fee82f8e57511b98a5153001edc65ded3cc0267b9cd849208d606b18"
    "0cd32c7aeec3d3c02482aca6b2520f4ddcf8d740ab5199d8802e290cdbea80c11c";
const QByteArray kCastSignatureKey1 =
    "660560b0658147622cb8f4f624ff374031a7a6bdab0a6a6512fca793c9e5d6d7"
    "05c07ddc0dcdfe9dabb6b24997b13373493969cb340f1d140ffbf5280badcc941b";

// The order of the secp256k1 group.
const UInt256 kCurveOrder =
    parseUInt256(u"0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141").value();

QByteArray digestOfBerth()
{
    return keccak256("berth");
}

} // namespace

class TestSecp256k1 : public QObject
{
    Q_OBJECT

private slots:
    void castSignaturesRecoverTheirSigners()
    {
        QCOMPARE(digestOfBerth().toHex(),
                 "c1feca106dfabc94198ada1752c6152048dc99d841523a44d4ed9a7f6ef87eb4");
        auto sig0 = Signature::fromRsv(QByteArray::fromHex(kCastSignatureKey0));
        QVERIFY(sig0.ok());
        QCOMPARE(sig0->recoverSigner(digestOfBerth())->toChecksumString(), kAnvilAddress0);
        auto sig1 = Signature::fromRsv(QByteArray::fromHex(kCastSignatureKey1));
        QVERIFY(sig1.ok());
        QCOMPARE(sig1->recoveryId, 0); // v = 0x1b
        QCOMPARE(sig1->recoverSigner(digestOfBerth())->toChecksumString(), kAnvilAddress1);
    }

    void ourSignaturesAreByteIdenticalToCast()
    {
        // Both use RFC 6979 nonces and low s, so the signatures must match exactly.
        QCOMPARE(PrivateKey::fromHex(kAnvilKey0)->sign(digestOfBerth()).toRsv().toHex(),
                 kCastSignatureKey0);
        QCOMPARE(PrivateKey::fromHex(kAnvilKey1)->sign(digestOfBerth()).toRsv().toHex(),
                 kCastSignatureKey1);
    }

    void highSSignatureIsRejected()
    {
        // (r, n - s) with the other parity is the same point's malleable twin:
        // valid ECDSA, but EIP-2 forbids it, as does OpenZeppelin's ECDSA.
        Signature sig = Signature::fromRsv(QByteArray::fromHex(kCastSignatureKey0)).value();
        const UInt256 s = uint256FromBigEndian(sig.s).value();
        sig.s = toBigEndian32(kCurveOrder - s);
        sig.recoveryId ^= 1;
        auto signer = sig.recoverSigner(digestOfBerth());
        QVERIFY(!signer.ok());
        QCOMPARE(signer.error().code, ErrorCode::AuthFailed);
        QVERIFY2(signer.error().message.contains(u"high s"_s), qPrintable(signer.error().message));
    }

    void vIsNormalised()
    {
        const QByteArray rsv = QByteArray::fromHex(kCastSignatureKey0);
        QCOMPARE(static_cast<unsigned char>(rsv[64]), 0x1c);
        for (int v : {1, 28}) {
            QByteArray copy = rsv;
            copy[64] = char(v);
            auto sig = Signature::fromRsv(copy);
            QVERIFY2(sig.ok(), qPrintable(QString::number(v)));
            QCOMPARE(sig->recoveryId, 1);
            QCOMPARE(sig->toRsv().toHex(), kCastSignatureKey0); // always written as 27/28
            QCOMPARE(sig->recoverSigner(digestOfBerth())->toChecksumString(), kAnvilAddress0);
        }
        // The wrong parity names some other account, never the signer.
        QByteArray flipped = rsv;
        flipped[64] = char(27);
        auto other = Signature::fromRsv(flipped)->recoverSigner(digestOfBerth());
        QVERIFY(!other.ok() || other->toChecksumString() != kAnvilAddress0);
        // EIP-155 style v (35+) and other values are not message signatures.
        for (int v : {2, 26, 29, 37, 38, 255}) {
            QByteArray copy = rsv;
            copy[64] = char(v);
            auto sig = Signature::fromRsv(copy);
            QVERIFY2(!sig.ok(), qPrintable(QString::number(v)));
            QVERIFY(sig.error().message.contains(u"0, 1, 27 or 28"_s));
        }
    }

    void malformedSignaturesAreRejected()
    {
        const QByteArray rsv = QByteArray::fromHex(kCastSignatureKey0);
        QVERIFY(!Signature::fromRsv(rsv.first(64)).ok());
        QVERIFY(!Signature::fromRsv(QByteArray(rsv + '\0')).ok());
        QVERIFY(Signature::fromRsv(rsv.first(64)).error().message.contains(u"65 bytes"_s));

        Signature zeroR = Signature::fromRsv(rsv).value();
        zeroR.r = QByteArray(32, '\0');
        QCOMPARE(zeroR.recoverSigner(digestOfBerth()).error().code, ErrorCode::AuthFailed);

        Signature rTooLarge = Signature::fromRsv(rsv).value();
        rTooLarge.r = toBigEndian32(kCurveOrder);
        QCOMPARE(rTooLarge.recoverSigner(digestOfBerth()).error().code, ErrorCode::AuthFailed);

        // The digest must be 32 bytes.
        auto shortDigest = Signature::fromRsv(rsv)->recoverSigner(digestOfBerth().first(31));
        QCOMPARE(shortDigest.error().code, ErrorCode::AuthFailed);
    }
};

QTEST_GUILESS_MAIN(TestSecp256k1)
#include "tst_secp256k1.moc"
