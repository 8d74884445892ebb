#include "chain/abicodec.h"

#include <functional>

using namespace Qt::StringLiterals;

namespace berth::chain {

namespace {

using Kind = AbiType::Kind;

QString topLevelPath(const AbiType &type, qsizetype index)
{
    if (type.name().isEmpty())
        return u"parameter %1"_s.arg(index + 1);
    return u"parameter %1 (%2)"_s.arg(index + 1).arg(type.name());
}

QString childPath(const QString &parent, const AbiType &child, qsizetype index, bool isTuple)
{
    if (isTuple && !child.name().isEmpty())
        return parent + u"."_s + child.name();
    return parent + u"[%1]"_s.arg(index);
}

UInt256 twoPow(int bits)
{
    return UInt256(1) << bits;
}

// ---- encoding -----------------------------------------------------------------

Error encodeError(const QString &path, const QString &why)
{
    return {ErrorCode::InvalidArgument, u"%1: %2"_s.arg(path, why)};
}

QByteArray padRight(QByteArrayView data)
{
    QByteArray out = data.toByteArray();
    const qsizetype padded = (data.size() + 31) / 32 * 32;
    out.append(padded - data.size(), '\0');
    return out;
}

Result<QByteArray> encodeValue(const AbiType &type, const AbiValue &value, const QString &path);

// The elements of a tuple or array: heads first, dynamic parts after them.
Result<QByteArray> encodeSequence(qsizetype count,
                                  const std::function<const AbiType &(qsizetype)> &typeAt,
                                  const QList<AbiValue> &values, const QString &path, bool isTuple)
{
    qint64 headSize = 0;
    for (qsizetype i = 0; i < count; ++i)
        headSize += typeAt(i).headSize();
    QByteArray head;
    QByteArray tail;
    for (qsizetype i = 0; i < count; ++i) {
        const AbiType &type = typeAt(i);
        auto encoded =
            encodeValue(type, values[i],
                        path.isEmpty() ? topLevelPath(type, i) : childPath(path, type, i, isTuple));
        if (!encoded)
            return encoded;
        if (type.isDynamic()) {
            head += toBigEndian32(UInt256(quint64(headSize + tail.size())));
            tail += *encoded;
        } else {
            head += *encoded;
        }
    }
    return QByteArray(head).append(tail);
}

Result<QByteArray> encodeValue(const AbiType &type, const AbiValue &value, const QString &path)
{
    auto fail = [&](const QString &why) { return encodeError(path, why); };
    switch (type.kind()) {
    case Kind::Uint: {
        auto v = value.toUInt();
        if (!v)
            return fail(v.error().message);
        if (type.bits() < 256 && *v >= twoPow(type.bits()))
            return fail(u"%1 does not fit in %2"_s.arg(toDecimalString(*v), type.canonical()));
        return toBigEndian32(*v);
    }
    case Kind::Int: {
        auto v = value.toInt();
        if (!v)
            return fail(v.error().message);
        const Int256 limit = Int256(twoPow(type.bits() - 1));
        if (*v >= limit || *v < -limit)
            return fail(
                u"%1 does not fit in %2"_s.arg(QString::fromStdString(v->str()), type.canonical()));
        const UInt256 magnitude = UInt256(*v < 0 ? Int256(-*v) : *v);
        return toBigEndian32(*v < 0 ? UInt256(0) - magnitude : magnitude);
    }
    case Kind::Address: {
        auto a = value.toAddress();
        if (!a)
            return fail(a.error().message);
        return QByteArray(12, '\0').append(a->bytes());
    }
    case Kind::Bool: {
        auto b = value.toBool();
        if (!b)
            return fail(b.error().message);
        return toBigEndian32(*b ? 1 : 0);
    }
    case Kind::FixedBytes: {
        auto b = value.toBytes();
        if (!b)
            return fail(b.error().message);
        if (b->size() != type.size())
            return fail(u"%1 takes exactly %2 bytes, got %3"_s.arg(type.canonical())
                            .arg(type.size())
                            .arg(b->size()));
        return padRight(*b);
    }
    case Kind::Bytes:
    case Kind::String: {
        QByteArray data;
        if (type.kind() == Kind::Bytes) {
            auto b = value.toBytes();
            if (!b)
                return fail(b.error().message);
            data = *b;
        } else {
            auto s = value.toString();
            if (!s)
                return fail(s.error().message);
            data = s->toUtf8();
        }
        return toBigEndian32(UInt256(quint64(data.size()))).append(padRight(data));
    }
    case Kind::Array:
    case Kind::FixedArray:
    case Kind::Tuple: {
        auto list = value.toList();
        if (!list)
            return fail(list.error().message);
        const bool isTuple = type.kind() == Kind::Tuple;
        const qsizetype expected = isTuple ? type.components().size() : type.size();
        if (type.kind() != Kind::Array && list->size() != expected)
            return fail(u"%1 takes %2 %3, got %4"_s.arg(type.canonical())
                            .arg(expected)
                            .arg(isTuple ? u"fields"_s : u"elements"_s)
                            .arg(list->size()));
        auto typeAt = [&](qsizetype i) -> const AbiType & {
            return isTuple ? type.components()[i] : type.element();
        };
        auto body = encodeSequence(list->size(), typeAt, *list, path, isTuple);
        if (!body || type.kind() != Kind::Array)
            return body;
        return toBigEndian32(UInt256(quint64(list->size()))).append(*body);
    }
    }
    return fail(u"unknown type"_s);
}

// ---- decoding -----------------------------------------------------------------

class Decoder
{
public:
    explicit Decoder(qsizetype inputSize)
        : m_budget(4 * qint64(inputSize) + 65536)
    {}

    Result<QList<AbiValue>> sequence(qsizetype count,
                                     const std::function<const AbiType &(qsizetype)> &typeAt,
                                     QByteArrayView data, const QString &path, bool isTuple)
    {
        QList<AbiValue> out;
        qint64 position = 0;
        for (qsizetype i = 0; i < count; ++i) {
            const AbiType &type = typeAt(i);
            const QString where =
                path.isEmpty() ? topLevelPath(type, i) : childPath(path, type, i, isTuple);
            const qint64 head = type.headSize();
            if (position + head > data.size())
                return fail(
                    where,
                    u"the data ends at byte %1 of this part, before this value"_s.arg(data.size()));
            QByteArrayView valueData = data.sliced(position);
            if (type.isDynamic()) {
                auto offset = word(data, position);
                if (offset > UInt256(quint64(data.size())))
                    return fail(where, u"offset %1 points past the end of the data (%2 bytes)"_s
                                           .arg(toDecimalString(offset))
                                           .arg(data.size()));
                valueData = data.sliced(qsizetype(static_cast<quint64>(offset)));
            }
            auto value = decodeValue(type, valueData, where);
            if (!value)
                return value.error();
            if (out.isEmpty())
                out.reserve(count);
            out.append(std::move(value).value());
            position += head;
        }
        return out;
    }

private:
    static Error fail(const QString &path, const QString &why)
    {
        return {ErrorCode::BadResponse, u"cannot decode %1: %2"_s.arg(path, why)};
    }

    static UInt256 word(QByteArrayView data, qint64 position)
    {
        return uint256FromBigEndian(data.sliced(position, 32)).value();
    }

    bool charge(qint64 bytes)
    {
        m_budget -= bytes;
        return m_budget >= 0;
    }

    Result<AbiValue> decodeValue(const AbiType &type, QByteArrayView data, const QString &path)
    {
        if (!charge(32))
            return fail(path, u"the data decodes to far more values than it holds (overlapping "
                              u"offsets); refusing it"_s);
        if (data.size() < 32)
            return fail(path, u"the data ends before this value"_s);
        const UInt256 w = word(data, 0);
        switch (type.kind()) {
        case Kind::Uint:
            if (type.bits() < 256 && w >= twoPow(type.bits()))
                return fail(
                    path, u"%1 is out of range for %2"_s.arg(toDecimalString(w), type.canonical()));
            return AbiValue::fromUInt(w);
        case Kind::Int: {
            const bool negative = w >> 255 == 1;
            // The bits above the type's width must all copy the sign bit.
            const UInt256 high = type.bits() == 256 ? UInt256(0) : w >> (type.bits() - 1);
            const UInt256 allOnes =
                type.bits() == 256 ? UInt256(0) : (UInt256(1) << (257 - type.bits())) - 1;
            if (type.bits() < 256 && high != 0 && high != allOnes)
                return fail(path, u"the value is out of range for %1"_s.arg(type.canonical()));
            if (!negative)
                return AbiValue::fromInt(Int256(w));
            return AbiValue::fromInt(-Int256(UInt256(0) - w));
        }
        case Kind::Address: {
            if (w >> 160 != 0)
                return fail(path, u"an address word has non-zero high bytes"_s);
            return AbiValue::fromAddress(crypto::Address::fromBytes(data.sliced(12, 20)).value());
        }
        case Kind::Bool:
            if (w > 1)
                return fail(path, u"a bool must be 0 or 1, got %1"_s.arg(toHexQuantity(w)));
            return AbiValue::fromBool(w == 1);
        case Kind::FixedBytes: {
            const QByteArrayView padding = data.sliced(type.size(), 32 - type.size());
            if (padding.count('\0') != padding.size())
                return fail(path, u"%1 has non-zero padding"_s.arg(type.canonical()));
            return AbiValue::fromBytes(data.first(type.size()).toByteArray());
        }
        case Kind::Bytes:
        case Kind::String: {
            if (w > UInt256(quint64(data.size() - 32)))
                return fail(path,
                            u"length %1 runs past the end of the data"_s.arg(toDecimalString(w)));
            const auto length = qsizetype(static_cast<quint64>(w));
            if (!charge(length))
                return fail(path, u"the data decodes to far more bytes than it holds "
                                  u"(overlapping offsets); refusing it"_s);
            const QByteArrayView bytes = data.sliced(32, length);
            if (type.kind() == Kind::Bytes)
                return AbiValue::fromBytes(bytes.toByteArray());
            return AbiValue::fromString(QString::fromUtf8(bytes));
        }
        case Kind::Array:
        case Kind::FixedArray:
        case Kind::Tuple: {
            const bool isTuple = type.kind() == Kind::Tuple;
            qsizetype count = isTuple ? type.components().size() : type.size();
            QByteArrayView body = data;
            if (type.kind() == Kind::Array) {
                body = data.sliced(32);
                // Every element takes at least its head in the data that remains,
                // so a lying length cannot make us allocate.
                if (w > UInt256(quint64(body.size() / type.element().headSize())))
                    return fail(path, u"array length %1 does not fit in the remaining %2 bytes"_s
                                          .arg(toDecimalString(w))
                                          .arg(body.size()));
                count = qsizetype(static_cast<quint64>(w));
            }
            auto typeAt = [&](qsizetype i) -> const AbiType & {
                return isTuple ? type.components()[i] : type.element();
            };
            auto items = sequence(count, typeAt, body, path, isTuple);
            if (!items)
                return items.error();
            return AbiValue::fromList(std::move(items).value());
        }
        }
        return fail(path, u"unknown type"_s);
    }

    qint64 m_budget;
};

} // namespace

Result<QByteArray> abiEncode(const QList<AbiType> &types, const QList<AbiValue> &values)
{
    if (types.size() != values.size())
        return Error{ErrorCode::InvalidArgument,
                     u"expected %1 arguments (%2), got %3"_s.arg(types.size())
                         .arg(canonicalList(types))
                         .arg(values.size())};
    return encodeSequence(
        types.size(), [&](qsizetype i) -> const AbiType & { return types[i]; }, values, {}, true);
}

Result<QList<AbiValue>> abiDecode(const QList<AbiType> &types, QByteArrayView data)
{
    Decoder decoder(data.size());
    return decoder.sequence(
        types.size(), [&](qsizetype i) -> const AbiType & { return types[i]; }, data, {}, true);
}

} // namespace berth::chain
