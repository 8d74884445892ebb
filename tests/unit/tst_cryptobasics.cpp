#include "core/tokenamount.h"
#include "crypto/keccak.h"
#include "crypto/privatekey.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::crypto;

class TestCryptoBasics : public QObject
{
    Q_OBJECT

private slots:
    void keccakOfEmptyInput()
    {
        QCOMPARE(keccak256({}).toHex(),
                 "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    }

    void keccakKnownAnswers()
    {
        // Published Keccak-256 answers (Ethereum's pre-NIST padding), confirmed with `cast keccak`.
        QCOMPARE(keccak256("abc").toHex(),
                 "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
        QCOMPARE(keccak256("The quick brown fox jumps over the lazy dog").toHex(),
                 "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
        // 200 bytes: more than one 136-byte rate block.
        QCOMPARE(keccak256(QByteArray(200, 'a')).toHex(),
                 "96ea54061def936c4be90b518992fdc6f12f535068a256229aca54267b4d084d");
    }

    void anvilAccountZeroHasItsKnownAddress()
    {
        auto key = PrivateKey::fromHex(
            u"0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
        QVERIFY(key.ok());
        QCOMPARE(key->address().toChecksumString(),
                 u"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"_s);
    }

    void keyFilesAreReadWithoutCopies()
    {
        const SecretBytes text(QByteArrayView(
            "  0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n"));
        auto key = PrivateKey::fromHexSecret(text);
        QVERIFY(key.ok());
        QCOMPARE(key->address().toChecksumString(),
                 u"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"_s);
        QVERIFY(!PrivateKey::fromHexSecret(SecretBytes(QByteArrayView("0x1234"))).ok());
        QVERIFY(!PrivateKey::fromHexSecret(SecretBytes(QByteArray(64, 'g'))).ok());
        QVERIFY(!PrivateKey::fromHexSecret(SecretBytes(QByteArray(64, '0'))).ok()); // zero key
    }

    void signatureRecoversItsSigner()
    {
        const PrivateKey key = PrivateKey::generate();
        const QByteArray digest = keccak256("berth");
        const Signature sig = key.sign(digest);
        auto signer = Signature::fromRsv(sig.toRsv())->recoverSigner(digest);
        QVERIFY(signer.ok());
        QCOMPARE(signer.value(), key.address());
        auto other = sig.recoverSigner(keccak256("other"));
        QVERIFY(!other.ok() || other.value() != key.address());
    }

    void eip55ChecksumIsEnforcedOnMixedCase()
    {
        // EIP-55's own examples.
        for (const auto &a : {u"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"_s,
                              u"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"_s,
                              u"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB"_s,
                              u"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"_s}) {
            auto parsed = Address::fromHex(a);
            QVERIFY2(parsed.ok(), qPrintable(a));
            QCOMPARE(parsed->toChecksumString(), a);
        }
        QVERIFY(Address::fromHex(u"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"_s).ok());
        auto typo = Address::fromHex(u"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"_s);
        QVERIFY(!typo.ok());
        QVERIFY(typo.error().message.contains(u"checksum"_s));
    }

    void tokenAmountsAreExact()
    {
        QCOMPARE(toDecimalString(*parseTokenAmount(u"12.5", 6)), u"12500000"_s);
        QCOMPARE(formatTokenAmount(UInt256(12500000), 6), u"12.5"_s);
        QCOMPARE(formatTokenAmount(UInt256(1), 18), u"0.000000000000000001"_s);
        QCOMPARE(formatTokenAmount(UInt256(0), 6), u"0"_s);
        QVERIFY(!parseTokenAmount(u"0.0000001", 6).ok());
        QVERIFY(parseTokenAmount(u"0.0000001", 6).error().message.contains(u"6 decimals"_s));
        QVERIFY(!parseTokenAmount(u"-1", 6).ok());
        QCOMPARE(toHexQuantity(*parseUInt256(u"0x00ff")), u"0xff"_s);
        QVERIFY(!parseUInt256(QString(u"0x1"_s + QString(64, u'0'))).ok());
    }
};

QTEST_GUILESS_MAIN(TestCryptoBasics)
#include "tst_cryptobasics.moc"
