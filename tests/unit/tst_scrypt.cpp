#include "crypto/scrypt.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::crypto;

Q_DECLARE_METATYPE(berth::crypto::ScryptEngine)

class TestScrypt : public QObject
{
    Q_OBJECT

private slots:
    // RFC 7914 section 12, through OpenSSL and through the portable engine.
    void rfc7914Vectors_data()
    {
        QTest::addColumn<ScryptEngine>("engine");
        QTest::addColumn<QByteArray>("password");
        QTest::addColumn<QByteArray>("salt");
        QTest::addColumn<quint64>("n");
        QTest::addColumn<quint64>("r");
        QTest::addColumn<quint64>("p");
        QTest::addColumn<QByteArray>("expected");
        for (auto engine : {ScryptEngine::Auto, ScryptEngine::Portable}) {
            const char *name = engine == ScryptEngine::Auto ? "openssl" : "portable";
            QTest::addRow("%s empty", name)
                << engine << QByteArray() << QByteArray() << quint64(16) << quint64(1) << quint64(1)
                << "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f"
                   "8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"_ba;
            QTest::addRow("%s NaCl", name)
                << engine << "password"_ba
                << "NaCl"_ba << quint64(1024) << quint64(8) << quint64(16)
                << "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a38"
                   "86ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"_ba;
            QTest::addRow("%s SodiumChloride", name)
                << engine << "pleaseletmein"_ba
                << "SodiumChloride"_ba << quint64(16384) << quint64(8) << quint64(1)
                << "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fc"
                   "f62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"_ba;
        }
    }

    void rfc7914Vectors()
    {
        QFETCH(ScryptEngine, engine);
        QFETCH(QByteArray, password);
        QFETCH(QByteArray, salt);
        QFETCH(quint64, n);
        QFETCH(quint64, r);
        QFETCH(quint64, p);
        QFETCH(QByteArray, expected);
        auto key = scrypt(SecretBytes(password), salt, n, r, p, 64, engine);
        QVERIFY(key.ok());
        QCOMPARE(key->view().toByteArray().toHex(), expected);
    }

    // OpenSSL refuses n >= 2^(16·r); Ethereum keystores use such parameters, so
    // they run on the portable engine instead of failing.
    void parametersOpenSslRefusesStillWork()
    {
        auto key = scrypt(SecretBytes(QByteArrayView("pw")), "salt", 65536, 1, 1, 32);
        QVERIFY(key.ok());
        QCOMPARE(key->size(), 32);
        auto again = scrypt(SecretBytes(QByteArrayView("pw")), "salt", 65536, 1, 1, 32,
                            ScryptEngine::Portable);
        QVERIFY(again.ok());
        QVERIFY(*key == *again);
    }

    void invalidParametersAreRefused()
    {
        auto key = scrypt(SecretBytes(QByteArrayView("pw")), "salt", 1000, 8, 1, 32);
        QCOMPARE(key.error().code, ErrorCode::InvalidArgument);
    }
};

QTEST_GUILESS_MAIN(TestScrypt)
#include "tst_scrypt.moc"
