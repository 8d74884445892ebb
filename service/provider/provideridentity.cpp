#include "provider/provideridentity.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <memory>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

struct PkeyFree
{
    void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); }
};
struct X509Free
{
    void operator()(X509 *p) const { X509_free(p); }
};
struct BioFree
{
    void operator()(BIO *p) const { BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

constexpr QFile::Permissions ownerOnlyFile = QFile::ReadOwner | QFile::WriteOwner;
constexpr QFile::Permissions ownerOnlyFolder =
    QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;

Error ioError(const QString &path, const QString &what)
{
    return Error(ErrorCode::IoFailed, u"%1: %2"_s.arg(QDir::toNativeSeparators(path), what));
}

Error damaged(const QString &path, const QString &what)
{
    return Error(ErrorCode::ParseFailed,
                 u"%1: %2; the provider identity is damaged. Restore the file from a backup "
                 u"(a new identity breaks publishers that pinned the old one)"_s.arg(
                     QDir::toNativeSeparators(path), what));
}

Result<void> ensureFolder(const QString &path)
{
    if (!QDir().mkpath(path))
        return ioError(path, u"cannot create the folder"_s);
    if (!QFile::setPermissions(path, ownerOnlyFolder))
        return ioError(path, u"cannot make the folder private (0700)"_s);
    return {};
}

// Writes a new file readable by its owner only; refuses to overwrite.
Result<void> writePrivateFile(const QString &path, QByteArrayView data)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly, ownerOnlyFile))
        return ioError(path, u"cannot create: %1"_s.arg(file.errorString()));
    if (file.write(data.data(), data.size()) != data.size() || !file.flush())
        return ioError(path, u"cannot write: %1"_s.arg(file.errorString()));
    file.close();
    if (!QFile::setPermissions(path, ownerOnlyFile))
        return ioError(path, u"cannot make the file private (0600)"_s);
    return {};
}

Result<QByteArray> readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return ioError(path, u"cannot read: %1"_s.arg(file.errorString()));
    return file.readAll();
}

QByteArray bioContents(BIO *bio)
{
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return QByteArray(data, static_cast<qsizetype>(size));
}

struct TlsMaterial
{
    QByteArray certificatePem;
    crypto::SecretBytes keyPem;
};

Result<TlsMaterial> createTlsMaterial()
{
    PkeyPtr key(EVP_EC_gen("P-256"));
    X509Ptr cert(X509_new());
    if (!key || !cert)
        return Error(ErrorCode::Internal, u"cannot generate the TLS key"_s);

    X509_set_version(cert.get(), 2); // X.509 v3
    unsigned char serial[16];
    randombytes_buf(serial, sizeof serial);
    serial[0] &= 0x7f; // a positive INTEGER
    BIGNUM *serialNumber = BN_bin2bn(serial, sizeof serial, nullptr);
    ASN1_INTEGER *serialAsn1 = BN_to_ASN1_INTEGER(serialNumber, X509_get_serialNumber(cert.get()));
    BN_free(serialNumber);
    if (!serialAsn1)
        return Error(ErrorCode::Internal, u"cannot set the certificate serial number"_s);

    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60 * 60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                    60L * 60 * 24 * ProviderIdentity::CertificateValidityDays);
    X509_set_pubkey(cert.get(), key.get());

    X509_NAME *name = X509_get_subject_name(cert.get());
    static const unsigned char commonName[] = "berthd";
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonName, -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);

    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    // No keyUsage: OpenSSL (and so QSslCertificate::isSelfSigned) only treats a
    // certificate as its own issuer when keyUsage, if present, allows certSign.
    const char *extensions[][2] = {
        {"subjectAltName", "DNS:localhost,IP:127.0.0.1"},
        {"basicConstraints", "critical,CA:FALSE"},
        {"extendedKeyUsage", "serverAuth"},
    };
    for (const auto &extension : extensions) {
        X509_EXTENSION *ext =
            X509V3_EXT_conf_nid(nullptr, &ctx, OBJ_sn2nid(extension[0]), extension[1]);
        if (!ext || !X509_add_ext(cert.get(), ext, -1)) {
            X509_EXTENSION_free(ext);
            return Error(ErrorCode::Internal, u"cannot add the certificate extensions"_s);
        }
        X509_EXTENSION_free(ext);
    }
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0)
        return Error(ErrorCode::Internal, u"cannot sign the TLS certificate"_s);

    BioPtr certBio(BIO_new(BIO_s_mem()));
    BioPtr keyBio(BIO_new(BIO_s_mem()));
    if (!certBio || !keyBio || !PEM_write_bio_X509(certBio.get(), cert.get()) ||
        !PEM_write_bio_PrivateKey(keyBio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr))
        return Error(ErrorCode::Internal, u"cannot encode the TLS certificate"_s);

    TlsMaterial material;
    material.certificatePem = bioContents(certBio.get());
    QByteArray keyPem = bioContents(keyBio.get());
    material.keyPem = crypto::SecretBytes(keyPem);
    crypto::secureZero(keyPem);
    // The memory BIO held the key too: clear it before it is freed.
    char *bioData = nullptr;
    const long bioSize = BIO_get_mem_data(keyBio.get(), &bioData);
    if (bioData && bioSize > 0)
        crypto::secureZero(bioData, static_cast<std::size_t>(bioSize));
    return material;
}

} // namespace

QString ProviderIdentity::certificatePath(const QString &dataDir)
{
    return dataDir + u"/tls/cert.pem"_s;
}

QString ProviderIdentity::privateKeyPath(const QString &dataDir)
{
    return dataDir + u"/tls/key.pem"_s;
}

QString ProviderIdentity::x25519KeyPath(const QString &dataDir)
{
    return dataDir + u"/keys/x25519.key"_s;
}

Result<ProviderIdentity> ProviderIdentity::loadOrCreate(const QString &dataDir)
{
    if (sodium_init() < 0)
        return Error(ErrorCode::Internal, u"libsodium failed to initialise"_s);

    const QString certPath = certificatePath(dataDir);
    const QString keyPath = privateKeyPath(dataDir);
    const QString x25519Path = x25519KeyPath(dataDir);

    // TLS certificate and key: both or neither.
    const bool hasCert = QFileInfo::exists(certPath);
    const bool hasKey = QFileInfo::exists(keyPath);
    if (hasCert != hasKey) {
        const QString missing = hasCert ? keyPath : certPath;
        return damaged(missing, u"missing while %1 exists"_s.arg(
                                    QDir::toNativeSeparators(hasCert ? certPath : keyPath)));
    }
    if (!hasCert) {
        if (auto made = ensureFolder(dataDir + u"/tls"_s); !made)
            return made.error();
        auto material = createTlsMaterial();
        if (!material)
            return material.error();
        // The key first: a certificate without its key would be unusable.
        if (auto written = writePrivateFile(keyPath, material->keyPem.view()); !written)
            return written.error();
        if (auto written = writePrivateFile(certPath, material->certificatePem); !written)
            return written.error();
    }
    if (!QFileInfo::exists(x25519Path)) {
        if (auto made = ensureFolder(dataDir + u"/keys"_s); !made)
            return made.error();
        unsigned char publicKey[crypto_box_PUBLICKEYBYTES];
        crypto::SecretBytes secret(crypto_box_SECRETKEYBYTES);
        crypto_box_keypair(publicKey, secret.data());
        if (auto written = writePrivateFile(x25519Path, secret.view()); !written)
            return written.error();
    }

    ProviderIdentity identity;

    // The private key.
    {
        QFile file(keyPath);
        if (!file.open(QIODevice::ReadOnly))
            return ioError(keyPath, u"cannot read: %1"_s.arg(file.errorString()));
        QByteArray pem = file.readAll();
        identity.m_keyPem = crypto::SecretBytes(pem);
        crypto::secureZero(pem);
    }
    BioPtr keyBio(
        BIO_new_mem_buf(identity.m_keyPem.data(), static_cast<int>(identity.m_keyPem.size())));
    PkeyPtr key(keyBio ? PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr)
                       : nullptr);
    if (!key)
        return damaged(keyPath, u"not a PEM private key"_s);

    // The certificate.
    auto certPem = readFile(certPath);
    if (!certPem)
        return certPem.error();
    BioPtr certBio(BIO_new_mem_buf(certPem->constData(), static_cast<int>(certPem->size())));
    X509Ptr cert(certBio ? PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!cert)
        return damaged(certPath, u"not a PEM certificate"_s);
    if (X509_check_private_key(cert.get(), key.get()) != 1)
        return damaged(
            certPath, u"does not belong to the key in %1"_s.arg(QDir::toNativeSeparators(keyPath)));
    const int derSize = i2d_X509(cert.get(), nullptr);
    if (derSize <= 0)
        return damaged(certPath, u"cannot be DER-encoded"_s);
    identity.m_certificateDer.resize(derSize);
    auto *derOut = reinterpret_cast<unsigned char *>(identity.m_certificateDer.data());
    i2d_X509(cert.get(), &derOut);
    identity.m_certificatePem = *certPem;
    identity.m_certificateSha256 =
        QCryptographicHash::hash(identity.m_certificateDer, QCryptographicHash::Sha256);

    // The X25519 key.
    {
        QFile file(x25519Path);
        if (!file.open(QIODevice::ReadOnly))
            return ioError(x25519Path, u"cannot read: %1"_s.arg(file.errorString()));
        if (file.size() != crypto_box_SECRETKEYBYTES)
            return damaged(x25519Path,
                           u"holds %1 bytes, not a %2-byte X25519 secret key"_s.arg(file.size())
                               .arg(crypto_box_SECRETKEYBYTES));
        identity.m_x25519SecretKey = crypto::SecretBytes(crypto_box_SECRETKEYBYTES);
        const qint64 read = file.read(reinterpret_cast<char *>(identity.m_x25519SecretKey.data()),
                                      crypto_box_SECRETKEYBYTES);
        if (read != crypto_box_SECRETKEYBYTES)
            return ioError(x25519Path, u"cannot read: %1"_s.arg(file.errorString()));
    }
    identity.m_x25519PublicKey.resize(crypto_box_PUBLICKEYBYTES);
    if (crypto_scalarmult_base(reinterpret_cast<unsigned char *>(identity.m_x25519PublicKey.data()),
                               identity.m_x25519SecretKey.data()) != 0)
        return damaged(x25519Path, u"not a valid X25519 secret key"_s);

    return identity;
}

} // namespace berth::provider
