// The provider attestation (provider.attest): EIP-712 signed by the provider's
// key; a publisher rejects another signer, a certificate other than the one its
// TLS session saw, an expired or tampered statement, and another chain.
#include "crypto/keccak.h"
#include "devkeys.h"
#include "protocol/attestation.h"

#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;
using berth::ErrorCode;
using berth::crypto::Address;
using berth::crypto::PrivateKey;
using berth::protocol::Attestation;

namespace {

constexpr qint64 kNow = 1'790'000'000;

Attestation sample()
{
    Attestation a;
    a.provider = Address::fromHex(kAnvilAddress0).value();
    a.chainId = 31337;
    a.tlsCertSha256 = QByteArray(32, '\x11');
    a.x25519PublicKey =
        QByteArray::fromHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    a.software = u"berthd 0.1.0"_s;
    a.issuedAt = kNow - 60;
    a.expiresAt = kNow + 3600;
    return a;
}

QJsonObject signedSample(const Attestation &a = sample())
{
    auto key = PrivateKey::fromHex(kAnvilKey0);
    auto json = a.sign(key.value());
    return json.ok() ? json.value() : QJsonObject{};
}

template<typename T> QString errorText(const berth::Result<T> &result)
{
    return result.ok() ? QString() : result.error().message;
}

} // namespace

class TestAttestation : public QObject
{
    Q_OBJECT

private slots:
    void signAndVerify()
    {
        const QJsonObject json = signedSample();
        QVERIFY(!json.isEmpty());
        QCOMPARE(json.value(u"provider"_s).toString(), kAnvilAddress0);
        QCOMPARE(json.value(u"chainId"_s).toInteger(), 31337);
        QCOMPARE(json.value(u"tlsCertSha256"_s).toString(), u"0x" + QString(64, u'1'));
        QCOMPARE(json.value(u"signature"_s).toString().size(), 2 + 130);

        auto verified =
            Attestation::verify(json, sample().provider, 31337, sample().tlsCertSha256, kNow);
        QVERIFY2(verified.ok(), qPrintable(errorText(verified)));
        QCOMPARE(verified->x25519PublicKey, sample().x25519PublicKey);
        QCOMPARE(verified->software, u"berthd 0.1.0"_s);
        QCOMPARE(verified->expiresAt, kNow + 3600);
    }

    void signatureMatchesAnIndependentSigner()
    {
        // The same typed data signed by Foundry's `cast wallet sign --data`
        // with Anvil key 0 (deterministic RFC 6979 nonces).
        const QJsonObject json = signedSample();
        QCOMPARE(json.value(u"signature"_s).toString(),
                 u"0x8a2e4a7b073df128af670144c1c91ac67335c228ceb57c1875e5d7ec3660e1c6"
                 u"0de5fdea714571b960fb81bd42dfa56984a13819fdb4459ac21509f08dfc4d6b1b"_s);
    }

    void typedDataShape()
    {
        const QJsonObject typed = sample().typedDataJson();
        QCOMPARE(typed.value(u"primaryType"_s).toString(), u"ProviderAttestation"_s);
        const QJsonObject domain = typed.value(u"domain"_s).toObject();
        QCOMPARE(domain.value(u"name"_s).toString(), u"Berth Provider"_s);
        QCOMPARE(domain.value(u"version"_s).toString(), u"1"_s);
        QCOMPARE(domain.value(u"chainId"_s).toString(), u"31337"_s);
    }

    void keyMustBeTheProviders()
    {
        auto other = PrivateKey::fromHex(kAnvilKey1);
        auto json = sample().sign(other.value());
        QVERIFY(!json.ok());
        QCOMPARE(json.error().code, ErrorCode::InvalidArgument);
    }

    void wrongSigner()
    {
        // Anvil account 1 attests honestly as itself, but the registered
        // provider the publisher expects is account 0.
        Attestation a = sample();
        a.provider = Address::fromHex(kAnvilAddress1).value();
        auto key = PrivateKey::fromHex(kAnvilKey1);
        auto json = a.sign(key.value());
        QVERIFY(json.ok());
        auto verified =
            Attestation::verify(*json, sample().provider, 31337, sample().tlsCertSha256, kNow);
        QVERIFY(!verified.ok());
        QCOMPARE(verified.error().code, ErrorCode::AuthFailed);
        QVERIFY2(verified.error().message.contains(u"not by the registered provider"_s),
                 qPrintable(verified.error().message));
        QVERIFY(verified.error().message.contains(kAnvilAddress1));
    }

    void certificateMismatch()
    {
        auto verified = Attestation::verify(signedSample(), sample().provider, 31337,
                                            QByteArray(32, '\x22'), kNow);
        QVERIFY(!verified.ok());
        QCOMPARE(verified.error().code, ErrorCode::AuthFailed);
        QVERIFY2(verified.error().message.contains(u"man in the middle"_s),
                 qPrintable(verified.error().message));
    }

    void expired()
    {
        auto verified = Attestation::verify(signedSample(), sample().provider, 31337,
                                            sample().tlsCertSha256, kNow + 3600);
        QVERIFY(!verified.ok());
        QCOMPARE(verified.error().code, ErrorCode::AuthFailed);
        QVERIFY2(verified.error().message.contains(u"expired"_s),
                 qPrintable(verified.error().message));
    }

    void issuedInTheFuture()
    {
        auto verified = Attestation::verify(signedSample(), sample().provider, 31337,
                                            sample().tlsCertSha256, kNow - 3600);
        QVERIFY(!verified.ok());
        QVERIFY(verified.error().message.contains(u"in the future"_s));
    }

    void wrongChain()
    {
        auto verified =
            Attestation::verify(signedSample(), sample().provider, 1, sample().tlsCertSha256, kNow);
        QVERIFY(!verified.ok());
        QCOMPARE(verified.error().code, ErrorCode::WrongChain);
    }

    void tamperedField_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QJsonValue>("value");
        QTest::newRow("x25519PublicKey")
            << u"x25519PublicKey"_s << QJsonValue(u"0x" + QString(64, u'a'));
        QTest::newRow("software") << u"software"_s << QJsonValue(u"berthd 9.9.9"_s);
        QTest::newRow("expiresAt") << u"expiresAt"_s << QJsonValue(double(kNow + 999'999));
        QTest::newRow("chainId") << u"chainId"_s << QJsonValue(1);
    }

    void tamperedField()
    {
        QFETCH(QString, field);
        QFETCH(QJsonValue, value);
        QJsonObject json = signedSample();
        json.insert(field, value);
        const quint64 chain = field == u"chainId"_s ? 1 : 31337;
        auto verified =
            Attestation::verify(json, sample().provider, chain, sample().tlsCertSha256, kNow);
        QVERIFY(!verified.ok());
        QCOMPARE(verified.error().code, ErrorCode::AuthFailed);
        QVERIFY2(verified.error().message.contains(u"not by the registered provider"_s),
                 qPrintable(verified.error().message));
    }

    void malformed_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QJsonValue>("value");
        QTest::newRow("short cert hash") << u"tlsCertSha256"_s << QJsonValue(u"0x1111"_s);
        QTest::newRow("bad provider") << u"provider"_s << QJsonValue(u"nobody"_s);
        QTest::newRow("text issuedAt") << u"issuedAt"_s << QJsonValue(u"yesterday"_s);
        QTest::newRow("short signature") << u"signature"_s << QJsonValue(u"0x00"_s);
        QTest::newRow("extra field") << u"tee"_s << QJsonValue(true);
    }

    void malformed()
    {
        QFETCH(QString, field);
        QFETCH(QJsonValue, value);
        QJsonObject json = signedSample();
        json.insert(field, value);
        auto verified =
            Attestation::verify(json, sample().provider, 31337, sample().tlsCertSha256, kNow);
        QVERIFY(!verified.ok());
        QCOMPARE(verified.error().code, ErrorCode::ParseFailed);
        QVERIFY2(verified.error().message.contains(field), qPrintable(verified.error().message));
    }

    void jsonRoundTrip()
    {
        const QJsonObject json = signedSample();
        const QByteArray text = QJsonDocument(json).toJson(QJsonDocument::Compact);
        const QJsonObject reread = QJsonDocument::fromJson(text).object();
        auto parsed = Attestation::fromJson(reread);
        QVERIFY2(parsed.ok(), qPrintable(errorText(parsed)));
        const Attestation a = sample();
        QCOMPARE(parsed->provider, a.provider);
        QCOMPARE(parsed->chainId, a.chainId);
        QCOMPARE(parsed->tlsCertSha256, a.tlsCertSha256);
        QCOMPARE(parsed->x25519PublicKey, a.x25519PublicKey);
        QCOMPARE(parsed->software, a.software);
        QCOMPARE(parsed->issuedAt, a.issuedAt);
        QCOMPARE(parsed->expiresAt, a.expiresAt);
        QCOMPARE(parsed->toJson(), a.toJson());
        QVERIFY(Attestation::verify(reread, a.provider, 31337, a.tlsCertSha256, kNow).ok());
    }

    void keyHashIsKeccakOfTheKey()
    {
        const Attestation a = sample();
        QCOMPARE(a.x25519KeyHash(), berth::crypto::keccak256(a.x25519PublicKey));
        QCOMPARE(a.x25519KeyHash().size(), 32);
    }
};

QTEST_GUILESS_MAIN(TestAttestation)
#include "tst_attestation.moc"
