#include "crypto/address.h"

#include "crypto/keccak.h"

#include <cstring>

using namespace Qt::StringLiterals;

namespace berth::crypto {

Result<Address> Address::fromBytes(QByteArrayView bytes)
{
    if (bytes.size() != 20)
        return Error{ErrorCode::InvalidArgument,
                     u"an address has 20 bytes, got %1"_s.arg(bytes.size())};
    Address a;
    std::memcpy(a.m_bytes.data(), bytes.data(), 20);
    return a;
}

Result<Address> Address::fromHex(QStringView text)
{
    const QStringView t = text.trimmed();
    const auto bad = [&](const QString &why) {
        return Error{ErrorCode::InvalidArgument,
                     u"'%1' is not an Ethereum address: %2"_s.arg(t.left(80).toString(), why)};
    };
    if (!t.startsWith(u"0x") && !t.startsWith(u"0X"))
        return bad(u"write it as 0x followed by 40 hexadecimal digits"_s);
    const QStringView digits = t.mid(2);
    if (digits.size() != 40)
        return bad(u"it has %1 hexadecimal digits instead of 40"_s.arg(digits.size()));
    bool hasLower = false, hasUpper = false;
    for (QChar c : digits) {
        if (!(c.isDigit() || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F')))
            return bad(u"'%1' is not a hexadecimal digit"_s.arg(c));
        hasLower = hasLower || (c >= u'a' && c <= u'f');
        hasUpper = hasUpper || (c >= u'A' && c <= u'F');
    }
    const QByteArray raw = QByteArray::fromHex(digits.toLatin1());
    Address a = *fromBytes(raw);
    if (hasLower && hasUpper && a.toChecksumString().mid(2) != digits)
        return bad(u"its mixed-case checksum (EIP-55) is wrong; check for a typo, "
                   u"or write it in lowercase to skip the check"_s);
    return a;
}

Address Address::fromPublicKey(QByteArrayView publicKey64)
{
    Q_ASSERT(publicKey64.size() == 64);
    return *fromBytes(keccak256(publicKey64).right(20));
}

QByteArray Address::bytes() const
{
    return QByteArray(reinterpret_cast<const char *>(m_bytes.data()), 20);
}

QString Address::toLowerHex() const
{
    return u"0x"_s + QString::fromLatin1(bytes().toHex());
}

QString Address::toChecksumString() const
{
    const QByteArray lower = bytes().toHex();
    const QByteArray hash = keccak256(lower);
    QString out = u"0x"_s;
    out.reserve(42);
    for (int i = 0; i < 40; ++i) {
        const char c = lower[i];
        const unsigned nibble = (static_cast<unsigned char>(hash[i / 2]) >> (i % 2 ? 0 : 4)) & 0xf;
        out += QChar::fromLatin1(c >= 'a' && nibble >= 8 ? char(c - 'a' + 'A') : c);
    }
    return out;
}

bool Address::isZero() const
{
    for (unsigned char b : m_bytes)
        if (b)
            return false;
    return true;
}

} // namespace berth::crypto
