#include "crypto/secretbytes.h"

#include <cstring>
#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace berth::crypto {

SecretBytes::SecretBytes(qsizetype size)
    : m_data(size > 0 ? std::make_unique<unsigned char[]>(size_t(size)) : nullptr)
    , m_size(size > 0 ? size : 0)
{}

SecretBytes::SecretBytes(QByteArrayView data)
    : SecretBytes(data.size())
{
    if (m_size > 0)
        std::memcpy(m_data.get(), data.data(), size_t(m_size));
}

SecretBytes::SecretBytes(const SecretBytes &other)
    : SecretBytes(other.view())
{}

SecretBytes &SecretBytes::operator=(const SecretBytes &other)
{
    if (this != &other) {
        SecretBytes copy(other);
        *this = std::move(copy);
    }
    return *this;
}

SecretBytes::SecretBytes(SecretBytes &&other) noexcept
    : m_data(std::move(other.m_data))
    , m_size(other.m_size)
{
    other.m_size = 0;
}

SecretBytes &SecretBytes::operator=(SecretBytes &&other) noexcept
{
    if (this != &other) {
        wipe();
        m_data = std::move(other.m_data);
        m_size = other.m_size;
        other.m_size = 0;
    }
    return *this;
}

SecretBytes::~SecretBytes()
{
    wipe();
}

void SecretBytes::wipe()
{
    if (m_data)
        OPENSSL_cleanse(m_data.get(), size_t(m_size));
    m_data.reset();
    m_size = 0;
}

QByteArrayView SecretBytes::view() const
{
    return QByteArrayView(reinterpret_cast<const char *>(m_data.get()), m_size);
}

bool SecretBytes::operator==(const SecretBytes &other) const
{
    return constantTimeEquals(view(), other.view());
}

void secureZero(void *data, std::size_t size)
{
    if (data && size)
        OPENSSL_cleanse(data, size);
}

void secureZero(QByteArray &data)
{
    if (!data.isEmpty())
        OPENSSL_cleanse(data.data(), size_t(data.size())); // data() detaches: wipes our copy
    data.clear();
}

bool constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    return a.isEmpty() || CRYPTO_memcmp(a.data(), b.data(), size_t(a.size())) == 0;
}

QByteArray randomBytes(qsizetype size)
{
    QByteArray out(size, '\0');
    if (size > 0 && RAND_bytes(reinterpret_cast<unsigned char *>(out.data()), int(size)) != 1)
        qFatal("OpenSSL RAND_bytes failed: no secure randomness available");
    return out;
}

SecretBytes randomSecret(qsizetype size)
{
    SecretBytes out(size);
    if (size > 0 && RAND_priv_bytes(out.data(), int(size)) != 1)
        qFatal("OpenSSL RAND_priv_bytes failed: no secure randomness available");
    return out;
}

} // namespace berth::crypto
