#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <cstddef>
#include <memory>

namespace berth::crypto {

// Key material: owned, never implicitly shared, wiped when destroyed. Use it for
// private keys, derived keys and passwords; convert to QByteArray only at the
// last moment a library call needs one, and wipe that copy (secureZero).
class SecretBytes
{
public:
    SecretBytes() = default;
    explicit SecretBytes(qsizetype size);
    explicit SecretBytes(QByteArrayView data);
    SecretBytes(const SecretBytes &other);
    SecretBytes &operator=(const SecretBytes &other);
    SecretBytes(SecretBytes &&other) noexcept;
    SecretBytes &operator=(SecretBytes &&other) noexcept;
    ~SecretBytes();

    qsizetype size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    unsigned char *data() { return m_data.get(); }
    const unsigned char *data() const { return m_data.get(); }
    QByteArrayView view() const;

    // Constant-time equality (sizes are not secret).
    bool operator==(const SecretBytes &other) const;

private:
    void wipe();

    std::unique_ptr<unsigned char[]> m_data;
    qsizetype m_size = 0;
};

// Overwrites memory in a way the compiler cannot optimise away.
void secureZero(void *data, std::size_t size);
void secureZero(QByteArray &data);
// Constant-time comparison of equal-length buffers; false when lengths differ.
bool constantTimeEquals(QByteArrayView a, QByteArrayView b);
// Cryptographically secure random bytes (OpenSSL's DRBG).
QByteArray randomBytes(qsizetype size);
SecretBytes randomSecret(qsizetype size);

} // namespace berth::crypto
