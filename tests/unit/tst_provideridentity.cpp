// The provider's identity files: created once and reused byte-identical,
// owner-only, a damaged file is an error naming it, and the certificate is one
// Qt's TLS stack accepts with the fingerprint the attestation signs.
#include "crypto/privatekey.h"
#include "devkeys.h"
#include "protocol/attestation.h"
#include "provider/provideridentity.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QSslCertificate>
#include <QSslKey>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using berth::ErrorCode;
using berth::provider::ProviderIdentity;

namespace {

QByteArray readAll(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

bool overwrite(const QString &path, const QByteArray &data)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return file.write(data) == data.size();
}

template<typename T> QString errorText(const berth::Result<T> &result)
{
    return result.ok() ? QString() : result.error().message;
}

constexpr QFile::Permissions ownerRw = QFile::ReadOwner | QFile::WriteOwner;
constexpr QFile::Permissions ownerRwx = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;
constexpr QFile::Permissions everyone = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                        QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup |
                                        QFile::ReadOther | QFile::WriteOther | QFile::ExeOther;

} // namespace

class TestProviderIdentity : public QObject
{
    Q_OBJECT

private slots:
    void createdOnceThenReused()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto first = ProviderIdentity::loadOrCreate(dir.path());
        QVERIFY2(first.ok(), qPrintable(errorText(first)));

        const QString certPath = ProviderIdentity::certificatePath(dir.path());
        const QString keyPath = ProviderIdentity::privateKeyPath(dir.path());
        const QString x25519Path = ProviderIdentity::x25519KeyPath(dir.path());
        QCOMPARE(certPath, dir.path() + u"/tls/cert.pem"_s);
        QCOMPARE(keyPath, dir.path() + u"/tls/key.pem"_s);
        QCOMPARE(x25519Path, dir.path() + u"/keys/x25519.key"_s);
        const QByteArray cert = readAll(certPath);
        const QByteArray key = readAll(keyPath);
        const QByteArray x25519 = readAll(x25519Path);
        QVERIFY(cert.startsWith("-----BEGIN CERTIFICATE-----"));
        QVERIFY(key.startsWith("-----BEGIN PRIVATE KEY-----"));
        QCOMPARE(x25519.size(), 32);
        QCOMPARE(first->certificatePem(), cert);
        QCOMPARE(first->x25519PublicKey().size(), 32);
        QCOMPARE(first->x25519SecretKey().view(), QByteArrayView(x25519));

        auto second = ProviderIdentity::loadOrCreate(dir.path());
        QVERIFY2(second.ok(), qPrintable(errorText(second)));
        QCOMPARE(readAll(certPath), cert);
        QCOMPARE(readAll(keyPath), key);
        QCOMPARE(readAll(x25519Path), x25519);
        QCOMPARE(second->certificateSha256(), first->certificateSha256());
        QCOMPARE(second->x25519PublicKey(), first->x25519PublicKey());

        // Another data folder is another identity.
        QTemporaryDir other;
        auto third = ProviderIdentity::loadOrCreate(other.path());
        QVERIFY(third.ok());
        QVERIFY(third->certificateSha256() != first->certificateSha256());
        QVERIFY(third->x25519PublicKey() != first->x25519PublicKey());
    }

    void filesAreOwnerOnly()
    {
        QTemporaryDir dir;
        QVERIFY(ProviderIdentity::loadOrCreate(dir.path()).ok());
        for (const QString &folder : {u"/tls"_s, u"/keys"_s})
            QCOMPARE(QFile::permissions(dir.path() + folder) & everyone, ownerRwx);
        for (const QString &file : {ProviderIdentity::certificatePath(dir.path()),
                                    ProviderIdentity::privateKeyPath(dir.path()),
                                    ProviderIdentity::x25519KeyPath(dir.path())})
            QCOMPARE(QFile::permissions(file) & everyone, ownerRw);
    }

    void damagedFileIsNamedNotReplaced_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("contents");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("key.pem") << u"tls/key.pem"_s << QByteArray("garbage\n")
                                 << u"not a PEM private key"_s;
        QTest::newRow("cert.pem") << u"tls/cert.pem"_s
                                  << QByteArray("-----BEGIN CERTIFICATE-----\nAAAA\n")
                                  << u"not a PEM certificate"_s;
        QTest::newRow("x25519.key")
            << u"keys/x25519.key"_s << QByteArray(31, 'k') << u"holds 31 bytes"_s;
    }

    void damagedFileIsNamedNotReplaced()
    {
        QFETCH(QString, file);
        QFETCH(QByteArray, contents);
        QFETCH(QString, fragment);
        QTemporaryDir dir;
        QVERIFY(ProviderIdentity::loadOrCreate(dir.path()).ok());
        const QString path = dir.path() + u'/' + file;
        QVERIFY(overwrite(path, contents));

        auto loaded = ProviderIdentity::loadOrCreate(dir.path());
        QVERIFY(!loaded.ok());
        QCOMPARE(loaded.error().code, ErrorCode::ParseFailed);
        QVERIFY2(loaded.error().message.contains(path), qPrintable(errorText(loaded)));
        QVERIFY2(loaded.error().message.contains(fragment), qPrintable(errorText(loaded)));
        QCOMPARE(readAll(path), contents); // never silently regenerated
    }

    void missingHalfIsAnError()
    {
        QTemporaryDir dir;
        QVERIFY(ProviderIdentity::loadOrCreate(dir.path()).ok());
        const QString keyPath = ProviderIdentity::privateKeyPath(dir.path());
        QVERIFY(QFile::remove(keyPath));
        auto loaded = ProviderIdentity::loadOrCreate(dir.path());
        QVERIFY(!loaded.ok());
        QVERIFY2(loaded.error().message.contains(keyPath), qPrintable(errorText(loaded)));
        QVERIFY(loaded.error().message.contains(u"missing"_s));
        QVERIFY(!QFileInfo::exists(keyPath));
    }

    void certificateFromAnotherKeyIsAnError()
    {
        QTemporaryDir a;
        QTemporaryDir b;
        QVERIFY(ProviderIdentity::loadOrCreate(a.path()).ok());
        QVERIFY(ProviderIdentity::loadOrCreate(b.path()).ok());
        const QString certPath = ProviderIdentity::certificatePath(a.path());
        QVERIFY(overwrite(certPath, readAll(ProviderIdentity::certificatePath(b.path()))));
        auto loaded = ProviderIdentity::loadOrCreate(a.path());
        QVERIFY(!loaded.ok());
        QVERIFY(loaded.error().message.contains(certPath));
        QVERIFY(loaded.error().message.contains(u"does not belong to the key"_s));
    }

    void certificateParsesWithQt()
    {
        QTemporaryDir dir;
        auto identity = ProviderIdentity::loadOrCreate(dir.path());
        QVERIFY(identity.ok());
        const QList<QSslCertificate> certs = QSslCertificate::fromData(identity->certificatePem());
        QCOMPARE(certs.size(), 1);
        const QSslCertificate &cert = certs.first();
        QVERIFY(!cert.isNull());
        QVERIFY(cert.isSelfSigned());
        QCOMPARE(cert.subjectInfo(QSslCertificate::CommonName), QStringList{u"berthd"_s});
        QCOMPARE(cert.digest(QCryptographicHash::Sha256), identity->certificateSha256());
        QCOMPARE(cert.toDer(), identity->certificateDer());
        QCOMPARE(identity->certificateSha256().size(), 32);

        const auto names = cert.subjectAlternativeNames();
        QCOMPARE(names.values(QSsl::DnsEntry), QStringList{u"localhost"_s});
        QCOMPARE(names.values(QSsl::IpAddressEntry), QStringList{u"127.0.0.1"_s});

        const QDateTime now = QDateTime::currentDateTimeUtc();
        QVERIFY(cert.effectiveDate() <= now);
        const qint64 days = now.daysTo(cert.expiryDate());
        QVERIFY2(days >= ProviderIdentity::CertificateValidityDays - 1 &&
                     days <= ProviderIdentity::CertificateValidityDays,
                 qPrintable(QString::number(days)));

        const QSslKey key(identity->privateKeyPem(), QSsl::Ec, QSsl::Pem, QSsl::PrivateKey);
        QVERIFY(!key.isNull());
        QCOMPARE(key.length(), 256);
    }

    void attestationOfThisIdentityVerifies()
    {
        // What berthd will sign and what a publisher will check against the
        // certificate its TLS session saw.
        QTemporaryDir dir;
        auto identity = ProviderIdentity::loadOrCreate(dir.path());
        QVERIFY(identity.ok());
        auto key = berth::crypto::PrivateKey::fromHex(kAnvilKey0);
        QVERIFY(key.ok());
        berth::protocol::Attestation a;
        a.provider = key->address();
        a.chainId = 31337;
        a.tlsCertSha256 = identity->certificateSha256();
        a.x25519PublicKey = identity->x25519PublicKey();
        a.software = u"berthd test"_s;
        a.issuedAt = 1'790'000'000;
        a.expiresAt = a.issuedAt + 3600;
        auto signedJson = a.sign(*key);
        QVERIFY(signedJson.ok());

        const QSslCertificate seen = QSslCertificate::fromData(identity->certificatePem()).first();
        auto verified = berth::protocol::Attestation::verify(
            *signedJson, key->address(), 31337, seen.digest(QCryptographicHash::Sha256),
            a.issuedAt + 10);
        QVERIFY2(verified.ok(), qPrintable(errorText(verified)));
        QCOMPARE(verified->x25519PublicKey, identity->x25519PublicKey());
    }
};

QTEST_GUILESS_MAIN(TestProviderIdentity)
#include "tst_provideridentity.moc"
