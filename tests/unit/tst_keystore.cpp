#include "crypto/keystore.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::crypto;

namespace {

const auto kSpecKey = "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d"_ba;
const auto kWrongPassword = u"wrong password (or the keystore file is corrupted)"_s;

QByteArray readData(const QString &name)
{
    QFile f(QStringLiteral(BERTH_TEST_DATA_DIR) + u"/crypto/keystore/"_s + name);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot open test data %s", qPrintable(f.fileName()));
    return f.readAll();
}

SecretBytes secret(QByteArrayView text)
{
    return SecretBytes(text);
}

QJsonObject objectOf(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object();
}

QByteArray jsonOf(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

// Replaces one value at a dotted path ("crypto.kdfparams.n") of a keystore.
QByteArray withValue(const QByteArray &json, const QString &path, const QJsonValue &value)
{
    const QStringList parts = path.split(u'.');
    std::function<QJsonObject(QJsonObject, int)> set = [&](QJsonObject o, int depth) {
        const QString &key = parts.at(depth);
        if (depth + 1 == parts.size()) {
            if (value.isUndefined())
                o.remove(key);
            else
                o.insert(key, value);
        } else {
            o.insert(key, set(o.value(key).toObject(), depth + 1));
        }
        return o;
    };
    return jsonOf(set(objectOf(json), 0));
}

QString flipHexByte(const QString &hex, int byteIndex)
{
    QByteArray raw = QByteArray::fromHex(hex.toLatin1());
    raw[byteIndex] = char(raw[byteIndex] ^ 0x01);
    return QString::fromLatin1(raw.toHex());
}

} // namespace

class TestKeystore : public QObject
{
    Q_OBJECT

private:
    PrivateKey m_key = PrivateKey::generate();
    QByteArray m_light; // m_key under "correct horse" with KdfParams::light()

private slots:
    void initTestCase()
    {
        auto json = Keystore::encrypt(m_key, secret("correct horse"), KdfParams::light());
        QVERIFY2(json.ok(), qPrintable(json.ok() ? QString() : json.error().message));
        m_light = *json;
    }

    void specPbkdf2VectorDecrypts()
    {
        auto key = Keystore::decrypt(readData(u"spec-pbkdf2.json"_s), secret("testpassword"));
        QVERIFY2(key.ok(), qPrintable(key.ok() ? QString() : key.error().message));
        QCOMPARE(key->secret().view().toByteArray().toHex(), kSpecKey);
        QCOMPARE(key->address().toLowerHex(), u"0x008aeeda4d805471df9b2a5b0f38a0c3bcba786b"_s);
    }

    void specScryptVectorDecrypts()
    {
        auto key = Keystore::decrypt(readData(u"spec-scrypt.json"_s), secret("testpassword"));
        QVERIFY2(key.ok(), qPrintable(key.ok() ? QString() : key.error().message));
        QCOMPARE(key->secret().view().toByteArray().toHex(), kSpecKey);
    }

    // Encrypting the spec's key with the spec's salt and iv gives its exact ciphertext and MAC.
    void specPbkdf2VectorIsReproducedByteForByte()
    {
        const QJsonObject spec = objectOf(readData(u"spec-pbkdf2.json"_s));
        const QJsonObject crypto = spec.value(u"crypto"_s).toObject();
        auto key = PrivateKey::fromHex(QString::fromLatin1(kSpecKey));
        QVERIFY(key.ok());
        auto json = Keystore::encryptWith(
            *key, secret("testpassword"), KdfParams::pbkdf2(262144),
            QByteArray::fromHex(
                crypto.value(u"kdfparams"_s).toObject().value(u"salt"_s).toString().toLatin1()),
            QByteArray::fromHex(
                crypto.value(u"cipherparams"_s).toObject().value(u"iv"_s).toString().toLatin1()),
            spec.value(u"id"_s).toString());
        QVERIFY(json.ok());
        const QJsonObject ours = objectOf(*json);
        QCOMPARE(ours.value(u"crypto"_s).toObject(), crypto);
        QCOMPARE(ours.value(u"id"_s), spec.value(u"id"_s));
        QCOMPARE(ours.value(u"address"_s).toString(),
                 u"008aeeda4d805471df9b2a5b0f38a0c3bcba786b"_s);
    }

    void specScryptVectorIsReproducedByteForByte()
    {
        const QJsonObject spec = objectOf(readData(u"spec-scrypt.json"_s));
        const QJsonObject crypto = spec.value(u"crypto"_s).toObject();
        auto key = PrivateKey::fromHex(QString::fromLatin1(kSpecKey));
        KdfParams params;
        params.n = 262144;
        params.r = 1;
        params.p = 8;
        auto json = Keystore::encryptWith(
            *key, secret("testpassword"), params,
            QByteArray::fromHex(
                crypto.value(u"kdfparams"_s).toObject().value(u"salt"_s).toString().toLatin1()),
            QByteArray::fromHex(
                crypto.value(u"cipherparams"_s).toObject().value(u"iv"_s).toString().toLatin1()),
            spec.value(u"id"_s).toString());
        QVERIFY(json.ok());
        QCOMPARE(objectOf(*json).value(u"crypto"_s).toObject(), crypto);
    }

    void specVectorParsesWithItsParameters()
    {
        auto file = Keystore::parse(readData(u"spec-scrypt.json"_s));
        QVERIFY(file.ok());
        QCOMPARE(file->kdf.function, KdfParams::Function::Scrypt);
        QCOMPARE(file->kdf.n, quint64(262144));
        QCOMPARE(file->kdf.r, quint64(1));
        QCOMPARE(file->kdf.p, quint64(8));
        QCOMPARE(file->id, u"3198bc9c-6672-5ab3-d995-4942343ae5b6"_s);
        QCOMPARE(file->iv.toHex(), "83dbcc02d8ccb40e466191a123791e0e"_ba);
        QVERIFY(!file->address);
    }

    // Written by Foundry's `cast wallet import` (scrypt n=8192): another tool's output.
    void castKeystoreDecrypts()
    {
        auto key = Keystore::decrypt(readData(u"cast-made.json"_s), secret("berth test password"));
        QVERIFY2(key.ok(), qPrintable(key.ok() ? QString() : key.error().message));
        QCOMPARE(key->address().toChecksumString(),
                 u"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"_s);
    }

    void encryptWritesAGethStyleV3File()
    {
        const QJsonObject root = objectOf(m_light);
        QCOMPARE(root.value(u"version"_s).toInt(), 3);
        QCOMPARE(root.value(u"address"_s).toString(), m_key.address().toLowerHex().mid(2));
        QVERIFY(QRegularExpression(
                    u"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"_s)
                    .match(root.value(u"id"_s).toString())
                    .hasMatch());
        const QJsonObject crypto = root.value(u"crypto"_s).toObject();
        QCOMPARE(crypto.value(u"cipher"_s).toString(), u"aes-128-ctr"_s);
        QCOMPARE(crypto.value(u"kdf"_s).toString(), u"scrypt"_s);
        QCOMPARE(crypto.value(u"cipherparams"_s).toObject().value(u"iv"_s).toString().size(), 32);
        QCOMPARE(crypto.value(u"ciphertext"_s).toString().size(), 64);
        QCOMPARE(crypto.value(u"mac"_s).toString().size(), 64);
        const QJsonObject kdf = crypto.value(u"kdfparams"_s).toObject();
        QCOMPARE(kdf.value(u"n"_s).toInt(), 4096);
        QCOMPARE(kdf.value(u"r"_s).toInt(), 8);
        QCOMPARE(kdf.value(u"p"_s).toInt(), 1);
        QCOMPARE(kdf.value(u"dklen"_s).toInt(), 32);
        QCOMPARE(kdf.value(u"salt"_s).toString().size(), 64);
        // Indented, and the key never appears in clear.
        QVERIFY(m_light.contains("\n    "));
        QVERIFY(!m_light.contains(m_key.secret().view().toByteArray().toHex()));
    }

    void encryptedFileDecryptsToTheSameKey()
    {
        auto key = Keystore::decrypt(m_light, secret("correct horse"));
        QVERIFY(key.ok());
        QVERIFY(key->secret() == m_key.secret());
        QCOMPARE(key->address(), m_key.address());
    }

    void twoEncryptionsUseFreshSaltIvAndId()
    {
        auto again = Keystore::encrypt(m_key, secret("correct horse"), KdfParams::light());
        QVERIFY(again.ok());
        const QJsonObject a = objectOf(m_light), b = objectOf(*again);
        QVERIFY(a.value(u"id"_s) != b.value(u"id"_s));
        QVERIFY(a.value(u"crypto"_s).toObject().value(u"ciphertext"_s) !=
                b.value(u"crypto"_s).toObject().value(u"ciphertext"_s));
    }

    void pbkdf2RoundTrip()
    {
        auto json = Keystore::encrypt(m_key, secret("pw"), KdfParams::pbkdf2(1000));
        QVERIFY(json.ok());
        const QJsonObject kdf =
            objectOf(*json).value(u"crypto"_s).toObject().value(u"kdfparams"_s).toObject();
        QCOMPARE(kdf.value(u"c"_s).toInt(), 1000);
        QCOMPARE(kdf.value(u"prf"_s).toString(), u"hmac-sha256"_s);
        auto key = Keystore::decrypt(*json, secret("pw"));
        QVERIFY(key.ok());
        QCOMPARE(key->address(), m_key.address());
    }

    void emptyPasswordRoundTrips()
    {
        auto json = Keystore::encrypt(m_key, SecretBytes(), KdfParams::light());
        QVERIFY(json.ok());
        QVERIFY(Keystore::decrypt(*json, SecretBytes()).ok());
        QCOMPARE(Keystore::decrypt(*json, secret("x")).error().code, ErrorCode::AuthFailed);
    }

    void standardParamsAreGethDefaults()
    {
        const KdfParams p = KdfParams::standard();
        QCOMPARE(p.function, KdfParams::Function::Scrypt);
        QCOMPARE(p.n, quint64(262144));
        QCOMPARE(p.r, quint64(8));
        QCOMPARE(p.p, quint64(1));
        QCOMPARE(p.dklen, 32);
        QCOMPARE(KdfParams::light().n, quint64(4096));
    }

    void commonWalletParametersAreAccepted()
    {
        // geth standard and light, Foundry, ethers.js, the spec's scrypt vector, the maximum.
        const quint64 sets[][3] = {{262144, 8, 1}, {4096, 8, 6},   {8192, 8, 1},
                                   {131072, 8, 1}, {262144, 1, 8}, {1048576, 8, 1}};
        for (const auto &set : sets) {
            KdfParams params;
            params.n = set[0];
            params.r = set[1];
            params.p = set[2];
            QVERIFY2(params.check().ok(),
                     qPrintable(u"n=%1 r=%2 p=%3"_s.arg(set[0]).arg(set[1]).arg(set[2])));
        }
        QVERIFY(KdfParams::pbkdf2(262144).check().ok());
    }

    void peekAddressNeedsNoPassword()
    {
        auto address = Keystore::peekAddress(m_light);
        QVERIFY(address.ok());
        QCOMPARE(*address, m_key.address());
        auto none = Keystore::peekAddress(readData(u"spec-scrypt.json"_s));
        QCOMPARE(none.error().code, ErrorCode::NotFound);
        QCOMPARE(none.error().message,
                 u"the keystore has no \"address\" field: unlock it with its password to see its "
                 u"account"_s);
    }

    void wrongPasswordIsAuthFailed()
    {
        auto key = Keystore::decrypt(m_light, secret("Correct horse"));
        QCOMPARE(key.error().code, ErrorCode::AuthFailed);
        QCOMPARE(key.error().message, kWrongPassword);
        auto spec = Keystore::decrypt(readData(u"spec-pbkdf2.json"_s), secret("testpassworD"));
        QCOMPARE(spec.error().code, ErrorCode::AuthFailed);
    }

    void flippedCiphertextByteIsAuthFailed()
    {
        const QString ct =
            objectOf(m_light).value(u"crypto"_s).toObject().value(u"ciphertext"_s).toString();
        const QByteArray bad = withValue(m_light, u"crypto.ciphertext"_s, flipHexByte(ct, 7));
        auto key = Keystore::decrypt(bad, secret("correct horse"));
        QCOMPARE(key.error().code, ErrorCode::AuthFailed);
        QCOMPARE(key.error().message, kWrongPassword);
    }

    void flippedMacIsAuthFailed()
    {
        const QString mac =
            objectOf(m_light).value(u"crypto"_s).toObject().value(u"mac"_s).toString();
        const QByteArray bad = withValue(m_light, u"crypto.mac"_s, flipHexByte(mac, 31));
        auto key = Keystore::decrypt(bad, secret("correct horse"));
        QCOMPARE(key.error().code, ErrorCode::AuthFailed);
        QCOMPARE(key.error().message, kWrongPassword);
    }

    void addressThatDoesNotMatchIsCorruption()
    {
        const QByteArray bad =
            withValue(m_light, u"address"_s, u"70997970c51812dc3a010c7d01b50e0d17dc79c8"_s);
        auto key = Keystore::decrypt(bad, secret("correct horse"));
        QCOMPARE(key.error().code, ErrorCode::ValidationFailed);
        QVERIFY(key.error().message.startsWith(u"the keystore's \"address\" field "
                                               u"(0x70997970C51812dc3A010C7d01b50e0d17dc79C8) "
                                               u"does not match the key it holds"_s));
        QVERIFY(key.error().message.endsWith(u"the file is corrupted; restore it from a backup"_s));
    }

    void capitalisedCryptoObjectIsAccepted()
    {
        QJsonObject root = objectOf(m_light);
        root.insert(u"Crypto"_s, root.take(u"crypto"_s));
        auto key = Keystore::decrypt(jsonOf(root), secret("correct horse"));
        QVERIFY(key.ok());
    }

    void malformedFieldsAreNamed_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QJsonValue>("value");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");

        const int parse = int(ErrorCode::ParseFailed);
        const int unsupported = int(ErrorCode::Unsupported);
        const QString damaged =
            u"the file is damaged or not a key file; restore it from a backup"_s;
        QTest::newRow("kdf argon2")
            << u"crypto.kdf"_s << QJsonValue(u"argon2id"_s) << unsupported
            << u"keystore field \"crypto.kdf\" is \"argon2id\": Berth supports \"scrypt\" and "
               u"\"pbkdf2\"; re-export the key from the wallet that made it"_s;
        QTest::newRow("cipher cbc")
            << u"crypto.cipher"_s << QJsonValue(u"aes-128-cbc"_s) << unsupported
            << u"keystore field \"crypto.cipher\" is \"aes-128-cbc\": Berth supports only "
               u"\"aes-128-ctr\"; re-export the key from the wallet that made it"_s;
        QTest::newRow("version 1")
            << u"version"_s << QJsonValue(1) << unsupported
            << u"keystore field \"version\" is 1: Berth reads only version 3 (Web3 Secret "
               u"Storage) key files; export the key again from the wallet that made it"_s;
        QTest::newRow("version string")
            << u"version"_s << QJsonValue(u"3"_s) << parse
            << u"keystore field \"version\" must be a whole number: "_s + damaged;
        QTest::newRow("no mac") << u"crypto.mac"_s << QJsonValue(QJsonValue::Undefined) << parse
                                << u"keystore field \"crypto.mac\" is missing: "_s + damaged;
        QTest::newRow("mac not hex")
            << u"crypto.mac"_s << QJsonValue(QString(64, u'z')) << parse
            << u"keystore field \"crypto.mac\" must be 32 bytes (64 hexadecimal digits): "_s +
                   damaged;
        QTest::newRow("short ciphertext")
            << u"crypto.ciphertext"_s << QJsonValue(QString(62, u'a')) << parse
            << u"keystore field \"crypto.ciphertext\" must be 32 bytes (64 hexadecimal digits): "_s +
                   damaged;
        QTest::newRow("short iv")
            << u"crypto.cipherparams.iv"_s << QJsonValue(u"00ff"_s) << parse
            << u"keystore field \"crypto.cipherparams.iv\" must be 16 bytes (32 hexadecimal "
               u"digits): "_s +
                   damaged;
        QTest::newRow("salt over 1 KiB")
            << u"crypto.kdfparams.salt"_s << QJsonValue(QString(2050, u'a')) << parse
            << u"keystore field \"crypto.kdfparams.salt\" must be 1 to 1024 bytes in "
               u"hexadecimal: "_s +
                   damaged;
        QTest::newRow("no kdfparams")
            << u"crypto.kdfparams"_s << QJsonValue(QJsonValue::Undefined) << parse
            << u"keystore field \"crypto.kdfparams\" is missing: "_s + damaged;
        QTest::newRow("n fractional")
            << u"crypto.kdfparams.n"_s << QJsonValue(4096.5) << parse
            << u"keystore field \"crypto.kdfparams.n\" must be a whole number: "_s + damaged;
        const QString refused = u"keystore field \"crypto.kdfparams\" is refused: "_s;
        const QString reencrypt =
            u". Re-encrypt the key with standard settings in the wallet that made it"_s;
        QTest::newRow("n not a power of two")
            << u"crypto.kdfparams.n"_s << QJsonValue(1000) << unsupported
            << refused +
                   u"scrypt n must be a power of two between 2 and 1048576 (2^20), not 1000"_s +
                   reencrypt;
        QTest::newRow("r times p")
            << u"crypto.kdfparams.p"_s << QJsonValue(9) << unsupported
            << refused + u"scrypt r and p must be at least 1 with r·p at most 64, not r=8 p=9"_s +
                   reencrypt;
        QTest::newRow("dklen 64")
            << u"crypto.kdfparams.dklen"_s << QJsonValue(64) << unsupported
            << refused + u"the derived key length (dklen) must be 32 bytes, not 64"_s + reencrypt;
        QTest::newRow("bad address")
            << u"address"_s << QJsonValue(u"1234"_s) << parse
            << u"keystore field \"address\" is not a valid account address"_s;
    }

    void malformedFieldsAreNamed()
    {
        QFETCH(QString, path);
        QFETCH(QJsonValue, value);
        QFETCH(int, code);
        QFETCH(QString, message);
        auto key = Keystore::decrypt(withValue(m_light, path, value), secret("correct horse"));
        QVERIFY(!key.ok());
        QCOMPARE(int(key.error().code), code);
        if (path == u"address")
            QVERIFY2(key.error().message.startsWith(message), qPrintable(key.error().message));
        else
            QCOMPARE(key.error().message, message);
    }

    void scryptMemoryBoundStopsLargeTables()
    {
        // n = 2^20 with r = 16 would need 2 GiB.
        QByteArray json = withValue(m_light, u"crypto.kdfparams.n"_s, 1048576);
        json = withValue(json, u"crypto.kdfparams.r"_s, 16);
        auto key = Keystore::decrypt(json, secret("correct horse"));
        QCOMPARE(key.error().code, ErrorCode::Unsupported);
        QVERIFY(key.error().message.contains(u"needs 2048 MiB of memory"_s));
    }

    void scryptWorkBoundStopsManyPasses()
    {
        // p = 16 passes over a 128 MiB table: little memory, but 16 times the work.
        QByteArray json = withValue(m_light, u"crypto.kdfparams.n"_s, 1048576);
        json = withValue(json, u"crypto.kdfparams.r"_s, 1);
        json = withValue(json, u"crypto.kdfparams.p"_s, 16);
        QElapsedTimer timer;
        timer.start();
        auto key = Keystore::decrypt(json, secret("correct horse"));
        QVERIFY(timer.elapsed() < 1000);
        QCOMPARE(key.error().code, ErrorCode::Unsupported);
        QVERIFY2(
            key.error().message.contains(
                u"scrypt n·r·p is 16777216; Berth allows at most 8388608 (n=2^20 with r=8, p=1)"_s),
            qPrintable(key.error().message));
    }

    void hugeScryptCostIsRefusedQuickly()
    {
        QElapsedTimer timer;
        timer.start();
        auto key = Keystore::decrypt(withValue(m_light, u"crypto.kdfparams.n"_s, 1073741824),
                                     secret("correct horse"));
        QVERIFY(timer.elapsed() < 1000);
        QCOMPARE(key.error().code, ErrorCode::Unsupported);
        QCOMPARE(key.error().message,
                 u"keystore field \"crypto.kdfparams\" is refused: scrypt n must be a power of two "
                 u"between 2 and 1048576 (2^20), not 1073741824. Re-encrypt the key with standard "
                 u"settings in the wallet that made it"_s);
    }

    void hugePbkdf2CountIsRefused()
    {
        QByteArray json = readData(u"spec-pbkdf2.json"_s);
        json = withValue(json, u"crypto.kdfparams.c"_s, 20000000);
        QElapsedTimer timer;
        timer.start();
        auto key = Keystore::decrypt(json, secret("testpassword"));
        QVERIFY(timer.elapsed() < 1000);
        QCOMPARE(key.error().code, ErrorCode::Unsupported);
        QVERIFY(key.error().message.contains(
            u"PBKDF2 iterations (c) must be between 1 and 10000000, not 20000000"_s));
    }

    void unsupportedPrfIsNamed()
    {
        QByteArray json =
            withValue(readData(u"spec-pbkdf2.json"_s), u"crypto.kdfparams.prf"_s, u"hmac-sha512"_s);
        auto key = Keystore::decrypt(json, secret("testpassword"));
        QCOMPARE(key.error().code, ErrorCode::Unsupported);
        QCOMPARE(key.error().message,
                 u"keystore field \"crypto.kdfparams.prf\" is \"hmac-sha512\": Berth supports "
                 u"only \"hmac-sha256\"; re-export the key from the wallet that made it"_s);
    }

    void truncatedJsonIsParseFailed()
    {
        auto key = Keystore::decrypt(m_light.left(m_light.size() / 2), secret("correct horse"));
        QCOMPARE(key.error().code, ErrorCode::ParseFailed);
        QVERIFY(key.error().message.startsWith(u"the keystore is not valid JSON ("_s));
        QVERIFY(key.error().message.endsWith(
            u"): the file is truncated or not a key file; restore it from a backup"_s));
    }

    void nonObjectJsonIsParseFailed()
    {
        auto key = Keystore::parse("[1, 2, 3]");
        QCOMPARE(key.error().code, ErrorCode::ParseFailed);
        QCOMPARE(key.error().message, u"the keystore is not a JSON object: choose a Web3 Secret "
                                      u"Storage (version 3) key file"_s);
    }

    void oversizedFileIsRefused()
    {
        QByteArray big = m_light;
        big.insert(1, "\"padding\": \"" + QByteArray(70000, 'x') + "\",");
        auto key = Keystore::decrypt(big, secret("correct horse"));
        QCOMPARE(key.error().code, ErrorCode::TooLarge);
        QVERIFY(key.error().message.contains(u"a keystore is at most 64 KiB"_s));
    }

    void encryptRefusesParametersOutsideTheBounds()
    {
        KdfParams params = KdfParams::light();
        params.n = quint64(1) << 21;
        auto json = Keystore::encrypt(m_key, secret("pw"), params);
        QCOMPARE(json.error().code, ErrorCode::InvalidArgument);
        QCOMPARE(json.error().message,
                 u"scrypt n must be a power of two between 2 and 1048576 (2^20), not 2097152"_s);
    }
};

QTEST_GUILESS_MAIN(TestKeystore)
#include "tst_keystore.moc"
