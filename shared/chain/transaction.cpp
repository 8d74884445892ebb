#include "chain/transaction.h"

#include "chain/rlp.h"
#include "crypto/keccak.h"

using namespace Qt::StringLiterals;

namespace berth::chain {

namespace {

constexpr char Eip1559Type = 0x02;

RlpItem toItem(const std::optional<crypto::Address> &to)
{
    return RlpItem::fromBytes(to ? to->bytes() : QByteArray());
}

// r and s are RLP integers: minimal, without leading zero bytes.
RlpItem scalarItem(const QByteArray &bytes32)
{
    qsizetype first = 0;
    while (first < bytes32.size() && bytes32[first] == '\0')
        ++first;
    return RlpItem::fromBytes(bytes32.mid(first));
}

Error badTransaction(const QString &why)
{
    return {ErrorCode::ParseFailed, u"not a valid signed transaction: %1"_s.arg(why)};
}

// Reads transaction fields from a decoded RLP list, keeping the first error.
class FieldReader
{
public:
    explicit FieldReader(const QList<RlpItem> &fields)
        : m_fields(fields)
    {}

    quint64 uint64(int index, const QString &name)
    {
        const UInt256 v = uint256(index, name);
        auto narrow = toUInt64(v);
        if (!narrow) {
            fail(u"%1 does not fit in 64 bits"_s.arg(name));
            return 0;
        }
        return *narrow;
    }

    UInt256 uint256(int index, const QString &name)
    {
        auto v = m_fields[index].toUInt();
        if (!v) {
            fail(u"%1: %2"_s.arg(name, v.error().message));
            return 0;
        }
        return *v;
    }

    std::optional<crypto::Address> address(int index, const QString &name)
    {
        const QByteArray b = bytes(index, name);
        if (b.isEmpty())
            return std::nullopt;
        auto a = crypto::Address::fromBytes(b);
        if (!a) {
            fail(u"%1 has %2 bytes, not 20"_s.arg(name).arg(b.size()));
            return std::nullopt;
        }
        return *a;
    }

    QByteArray bytes(int index, const QString &name)
    {
        if (m_fields[index].isList) {
            fail(u"%1 is a list"_s.arg(name));
            return {};
        }
        return m_fields[index].bytes;
    }

    // r or s: a non-zero integer of at most 32 bytes, returned left-padded to 32.
    QByteArray scalar(int index, const QString &name)
    {
        const UInt256 v = uint256(index, name);
        if (v == 0)
            fail(u"%1 is zero"_s.arg(name));
        return toBigEndian32(v);
    }

    void fail(const QString &why)
    {
        if (!m_error)
            m_error = badTransaction(why);
    }
    const std::optional<Error> &error() const { return m_error; }

private:
    const QList<RlpItem> &m_fields;
    std::optional<Error> m_error;
};

} // namespace

// ---- EIP-1559 ---------------------------------------------------------------

namespace {

QList<RlpItem> eip1559Fields(const Eip1559Transaction &tx)
{
    return {RlpItem::fromUInt(tx.chainId),
            RlpItem::fromUInt(tx.nonce),
            RlpItem::fromUInt(tx.maxPriorityFeePerGas),
            RlpItem::fromUInt(tx.maxFeePerGas),
            RlpItem::fromUInt(tx.gasLimit),
            toItem(tx.to),
            RlpItem::fromUInt(tx.value),
            RlpItem::fromBytes(tx.data),
            RlpItem::fromList({})};
}

} // namespace

QByteArray Eip1559Transaction::signingHash() const
{
    return crypto::keccak256(
        QByteArray(1, Eip1559Type).append(rlpEncode(RlpItem::fromList(eip1559Fields(*this)))));
}

QByteArray Eip1559Transaction::encodeSigned(const crypto::Signature &sig) const
{
    QList<RlpItem> fields = eip1559Fields(*this);
    fields.append(RlpItem::fromUInt(unsigned(sig.recoveryId)));
    fields.append(scalarItem(sig.r));
    fields.append(scalarItem(sig.s));
    return QByteArray(1, Eip1559Type).append(rlpEncode(RlpItem::fromList(std::move(fields))));
}

QByteArray Eip1559Transaction::sign(const crypto::PrivateKey &key) const
{
    return encodeSigned(key.sign(signingHash()));
}

QByteArray Eip1559Transaction::hashOfRaw(QByteArrayView raw)
{
    return crypto::keccak256(raw);
}

Result<Eip1559Transaction> Eip1559Transaction::decodeSigned(QByteArrayView raw,
                                                            crypto::Signature *sig)
{
    if (raw.isEmpty() || raw[0] != Eip1559Type)
        return badTransaction(u"an EIP-1559 transaction starts with the type byte 0x02"_s);
    auto decoded = rlpDecode(raw.sliced(1));
    if (!decoded)
        return badTransaction(decoded.error().message);
    const RlpItem &list = *decoded;
    if (!list.isList || list.items.size() != 12)
        return badTransaction(u"expected a list of 12 fields"_s);
    const QList<RlpItem> &f = list.items;

    FieldReader read(f);
    Eip1559Transaction tx;
    tx.chainId = read.uint64(0, u"chainId"_s);
    tx.nonce = read.uint64(1, u"nonce"_s);
    tx.maxPriorityFeePerGas = read.uint256(2, u"maxPriorityFeePerGas"_s);
    tx.maxFeePerGas = read.uint256(3, u"maxFeePerGas"_s);
    tx.gasLimit = read.uint64(4, u"gasLimit"_s);
    tx.to = read.address(5, u"to"_s);
    tx.value = read.uint256(6, u"value"_s);
    tx.data = read.bytes(7, u"data"_s);
    if (!f[8].isList)
        read.fail(u"the access list is not a list"_s);
    const quint64 parity = read.uint64(9, u"yParity"_s);
    if (parity > 1)
        read.fail(u"yParity must be 0 or 1"_s);
    const QByteArray r = read.scalar(10, u"r"_s);
    const QByteArray s = read.scalar(11, u"s"_s);
    if (read.error())
        return *read.error();
    if (!f[8].items.isEmpty())
        return Error{ErrorCode::Unsupported,
                     u"transactions with a non-empty access list are not supported"_s};
    if (sig)
        *sig = crypto::Signature{r, s, int(parity)};
    return tx;
}

// ---- Legacy / EIP-155 -------------------------------------------------------

namespace {

QList<RlpItem> legacyFields(const LegacyTransaction &tx)
{
    return {RlpItem::fromUInt(tx.nonce),    RlpItem::fromUInt(tx.gasPrice),
            RlpItem::fromUInt(tx.gasLimit), toItem(tx.to),
            RlpItem::fromUInt(tx.value),    RlpItem::fromBytes(tx.data)};
}

} // namespace

QByteArray LegacyTransaction::signingHash() const
{
    QList<RlpItem> fields = legacyFields(*this);
    if (chainId != 0) {
        fields.append(RlpItem::fromUInt(chainId));
        fields.append(RlpItem::fromUInt(0));
        fields.append(RlpItem::fromUInt(0));
    }
    return crypto::keccak256(rlpEncode(RlpItem::fromList(std::move(fields))));
}

QByteArray LegacyTransaction::encodeSigned(const crypto::Signature &sig) const
{
    const UInt256 v = chainId == 0 ? UInt256(27 + sig.recoveryId)
                                   : UInt256(chainId) * 2 + 35 + unsigned(sig.recoveryId);
    QList<RlpItem> fields = legacyFields(*this);
    fields.append(RlpItem::fromUInt(v));
    fields.append(scalarItem(sig.r));
    fields.append(scalarItem(sig.s));
    return rlpEncode(RlpItem::fromList(std::move(fields)));
}

QByteArray LegacyTransaction::sign(const crypto::PrivateKey &key) const
{
    return encodeSigned(key.sign(signingHash()));
}

QByteArray LegacyTransaction::hashOfRaw(QByteArrayView raw)
{
    return crypto::keccak256(raw);
}

Result<LegacyTransaction> LegacyTransaction::decodeSigned(QByteArrayView raw,
                                                          crypto::Signature *sig)
{
    auto decoded = rlpDecode(raw);
    if (!decoded)
        return badTransaction(decoded.error().message);
    const RlpItem &list = *decoded;
    if (!list.isList || list.items.size() != 9)
        return badTransaction(u"expected a list of 9 fields"_s);
    const QList<RlpItem> &f = list.items;

    FieldReader read(f);
    LegacyTransaction tx;
    tx.nonce = read.uint64(0, u"nonce"_s);
    tx.gasPrice = read.uint256(1, u"gasPrice"_s);
    tx.gasLimit = read.uint64(2, u"gasLimit"_s);
    tx.to = read.address(3, u"to"_s);
    tx.value = read.uint256(4, u"value"_s);
    tx.data = read.bytes(5, u"data"_s);
    const UInt256 v = read.uint256(6, u"v"_s);
    const QByteArray r = read.scalar(7, u"r"_s);
    const QByteArray s = read.scalar(8, u"s"_s);
    if (read.error())
        return *read.error();

    int recoveryId = 0;
    if (v == 27 || v == 28) {
        recoveryId = int(static_cast<unsigned>(v - 27));
    } else if (v >= 35) {
        auto chainId = toUInt64((v - 35) / 2);
        if (!chainId)
            return badTransaction(u"the chain id in v does not fit in 64 bits"_s);
        tx.chainId = *chainId;
        recoveryId = int(static_cast<unsigned>((v - 35) % 2));
    } else {
        return badTransaction(u"v must be 27, 28 or at least 35 (EIP-155)"_s);
    }
    if (sig)
        *sig = crypto::Signature{r, s, recoveryId};
    return tx;
}

} // namespace berth::chain
