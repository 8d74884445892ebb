#include "chain/abitype.h"

#include <QJsonArray>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace berth::chain {

namespace {

Error badType(QStringView text, const QString &why)
{
    return {ErrorCode::InvalidArgument,
            u"'%1' is not a valid ABI type: %2"_s.arg(text.left(120).toString(), why)};
}

// Digits without a leading zero; -1 when empty, malformed or huge.
qint64 parseCount(QStringView digits)
{
    if (digits.isEmpty() || digits.size() > 9 || (digits.size() > 1 && digits[0] == u'0'))
        return -1;
    qint64 n = 0;
    for (QChar c : digits) {
        if (c < u'0' || c > u'9')
            return -1;
        n = n * 10 + (c.unicode() - u'0');
    }
    return n;
}

Result<AbiType> elementary(QStringView name, QStringView whole)
{
    if (name == u"address")
        return AbiType::address();
    if (name == u"bool")
        return AbiType::boolean();
    if (name == u"string")
        return AbiType::string();
    if (name == u"bytes")
        return AbiType::bytes();
    if (name == u"uint" || name == u"int")
        return name == u"uint" ? AbiType::unsignedInt() : AbiType::signedInt();
    if (name.startsWith(u"uint") || name.startsWith(u"int")) {
        const bool isSigned = name.startsWith(u"int");
        const qint64 bits = parseCount(name.mid(isSigned ? 3 : 4));
        if (bits < 8 || bits > 256 || bits % 8 != 0)
            return badType(whole, u"integer sizes are multiples of 8 from 8 to 256"_s);
        return isSigned ? AbiType::signedInt(int(bits)) : AbiType::unsignedInt(int(bits));
    }
    if (name.startsWith(u"bytes")) {
        const qint64 size = parseCount(name.mid(5));
        if (size < 1 || size > 32)
            return badType(whole, u"bytesN sizes go from 1 to 32"_s);
        return AbiType::fixedBytes(int(size));
    }
    if (name == u"tuple")
        return badType(whole, u"a tuple is written with its components, as (T1,T2,...)"_s);
    if (name == u"function" || name.startsWith(u"fixed") || name.startsWith(u"ufixed"))
        return badType(whole, u"function and fixed-point types are not supported"_s);
    if (name.isEmpty())
        return badType(whole, u"a type name is missing"_s);
    return badType(whole, u"unknown type name '%1'"_s.arg(name.toString()));
}

class TypeParser
{
public:
    explicit TypeParser(QStringView text)
        : m_text(text)
    {}

    Result<AbiType> parseAll()
    {
        auto type = parseType(0);
        if (!type)
            return type;
        if (m_pos != m_text.size())
            return badType(m_text,
                           u"unexpected '%1' at position %2"_s.arg(m_text[m_pos]).arg(m_pos));
        return type;
    }

    // The array suffixes ("[]", "[3]") after a base type; used for "tuple[2][]" in JSON.
    Result<AbiType> parseSuffixes(AbiType base, int depth)
    {
        while (m_pos < m_text.size() && m_text[m_pos] == u'[') {
            if (++depth > AbiType::MaxNesting)
                return badType(m_text, u"nested more than %1 levels"_s.arg(AbiType::MaxNesting));
            const qsizetype close = m_text.indexOf(u']', m_pos);
            if (close < 0)
                return badType(m_text, u"a '[' is not closed"_s);
            const QStringView digits = m_text.sliced(m_pos + 1, close - m_pos - 1);
            m_pos = close + 1;
            if (digits.isEmpty()) {
                base = AbiType::array(base);
                continue;
            }
            const qint64 size = parseCount(digits);
            if (size < 1 || size > AbiType::MaxFixedArraySize)
                return badType(
                    m_text, u"fixed array sizes go from 1 to %1"_s.arg(AbiType::MaxFixedArraySize));
            base = AbiType::fixedArray(base, int(size));
        }
        if (base.headSize() > AbiType::MaxStaticSize)
            return badType(m_text, u"its encoding would be larger than %1 bytes"_s.arg(
                                       AbiType::MaxStaticSize));
        return base;
    }

    bool atEnd() const { return m_pos == m_text.size(); }

private:
    Result<AbiType> parseType(int depth)
    {
        if (depth > AbiType::MaxNesting)
            return badType(m_text, u"nested more than %1 levels"_s.arg(AbiType::MaxNesting));
        AbiType base;
        if (m_pos < m_text.size() && m_text[m_pos] == u'(') {
            ++m_pos;
            QList<AbiType> components;
            if (m_pos < m_text.size() && m_text[m_pos] == u')')
                return badType(m_text, u"empty tuples are not allowed"_s);
            while (true) {
                auto component = parseType(depth + 1);
                if (!component)
                    return component;
                components.append(std::move(component).value());
                if (m_pos >= m_text.size())
                    return badType(m_text, u"a '(' is not closed"_s);
                const QChar c = m_text[m_pos++];
                if (c == u')')
                    break;
                if (c != u',')
                    return badType(m_text, u"expected ',' or ')' at position %1"_s.arg(m_pos - 1));
            }
            base = AbiType::tuple(std::move(components));
        } else {
            const qsizetype start = m_pos;
            while (m_pos < m_text.size() && ((m_text[m_pos] >= u'a' && m_text[m_pos] <= u'z') ||
                                             (m_text[m_pos] >= u'0' && m_text[m_pos] <= u'9')))
                ++m_pos;
            auto type = elementary(m_text.sliced(start, m_pos - start), m_text);
            if (!type)
                return type;
            base = std::move(type).value();
        }
        return parseSuffixes(std::move(base), depth);
    }

    QStringView m_text;
    qsizetype m_pos = 0;
};

Result<AbiType> typeFromJson(const QJsonObject &parameter, int depth)
{
    if (depth > AbiType::MaxNesting)
        return Error{ErrorCode::InvalidArgument,
                     u"ABI parameter nested more than %1 levels"_s.arg(AbiType::MaxNesting)};
    const QJsonValue typeValue = parameter.value(u"type"_s);
    if (!typeValue.isString())
        return Error{ErrorCode::InvalidArgument, u"ABI parameter '%1' has no \"type\" string"_s.arg(
                                                     parameter.value(u"name"_s).toString())};
    const QString text = typeValue.toString();
    Result<AbiType> type = AbiType();
    if (text.startsWith(u"tuple")) {
        const QJsonValue componentsValue = parameter.value(u"components"_s);
        if (!componentsValue.isArray())
            return badType(text, u"a tuple parameter needs a \"components\" array"_s);
        const QJsonArray array = componentsValue.toArray();
        if (array.isEmpty())
            return badType(text, u"empty tuples are not allowed"_s);
        QList<AbiType> components;
        for (const QJsonValue &c : array) {
            auto component = typeFromJson(c.toObject(), depth + 1);
            if (!component)
                return component;
            components.append(std::move(component).value());
        }
        TypeParser suffixes(QStringView(text).mid(5));
        type = suffixes.parseSuffixes(AbiType::tuple(std::move(components)), depth);
        if (type && !suffixes.atEnd())
            return badType(text, u"unexpected text after 'tuple'"_s);
    } else {
        type = AbiType::parse(text);
    }
    if (!type)
        return type;
    AbiType out = std::move(type).value();
    out.setName(parameter.value(u"name"_s).toString());
    out.setIndexed(parameter.value(u"indexed"_s).toBool());
    return out;
}

} // namespace

AbiType AbiType::unsignedInt(int bits)
{
    AbiType t;
    t.m_kind = Kind::Uint;
    t.m_size = bits;
    return t;
}

AbiType AbiType::signedInt(int bits)
{
    AbiType t;
    t.m_kind = Kind::Int;
    t.m_size = bits;
    return t;
}

AbiType AbiType::address()
{
    AbiType t;
    t.m_kind = Kind::Address;
    t.m_size = 0;
    return t;
}

AbiType AbiType::boolean()
{
    AbiType t;
    t.m_kind = Kind::Bool;
    t.m_size = 0;
    return t;
}

AbiType AbiType::fixedBytes(int size)
{
    AbiType t;
    t.m_kind = Kind::FixedBytes;
    t.m_size = size;
    return t;
}

AbiType AbiType::bytes()
{
    AbiType t;
    t.m_kind = Kind::Bytes;
    t.m_size = 0;
    return t;
}

AbiType AbiType::string()
{
    AbiType t;
    t.m_kind = Kind::String;
    t.m_size = 0;
    return t;
}

AbiType AbiType::array(const AbiType &element)
{
    AbiType t;
    t.m_kind = Kind::Array;
    t.m_size = 0;
    t.m_components = {element};
    t.m_components.first().m_name.clear();
    return t;
}

AbiType AbiType::fixedArray(const AbiType &element, int size)
{
    AbiType t = array(element);
    t.m_kind = Kind::FixedArray;
    t.m_size = size;
    return t;
}

AbiType AbiType::tuple(QList<AbiType> components)
{
    AbiType t;
    t.m_kind = Kind::Tuple;
    t.m_size = 0;
    t.m_components = std::move(components);
    return t;
}

Result<AbiType> AbiType::parse(QStringView text)
{
    return TypeParser(text).parseAll();
}

Result<AbiType> AbiType::fromJson(const QJsonObject &parameter)
{
    return typeFromJson(parameter, 0);
}

const AbiType &AbiType::element() const
{
    Q_ASSERT(m_kind == Kind::Array || m_kind == Kind::FixedArray);
    return m_components.first();
}

QString AbiType::canonical() const
{
    switch (m_kind) {
    case Kind::Uint:
        return u"uint%1"_s.arg(m_size);
    case Kind::Int:
        return u"int%1"_s.arg(m_size);
    case Kind::Address:
        return u"address"_s;
    case Kind::Bool:
        return u"bool"_s;
    case Kind::FixedBytes:
        return u"bytes%1"_s.arg(m_size);
    case Kind::Bytes:
        return u"bytes"_s;
    case Kind::String:
        return u"string"_s;
    case Kind::Array:
        return element().canonical() + u"[]"_s;
    case Kind::FixedArray:
        return element().canonical() + u"[%1]"_s.arg(m_size);
    case Kind::Tuple:
        return u"("_s + canonicalList(m_components) + u")"_s;
    }
    return {};
}

bool AbiType::isDynamic() const
{
    switch (m_kind) {
    case Kind::Bytes:
    case Kind::String:
    case Kind::Array:
        return true;
    case Kind::FixedArray:
        return element().isDynamic();
    case Kind::Tuple:
        return std::any_of(m_components.cbegin(), m_components.cend(),
                           [](const AbiType &c) { return c.isDynamic(); });
    default:
        return false;
    }
}

qint64 AbiType::headSize() const
{
    // Saturates just above MaxStaticSize so absurd nested arrays cannot overflow.
    constexpr qint64 cap = MaxStaticSize + 1;
    if (isDynamic())
        return 32;
    if (m_kind == Kind::FixedArray)
        return std::min(cap, qint64(m_size) * element().headSize());
    if (m_kind == Kind::Tuple) {
        qint64 sum = 0;
        for (const AbiType &c : m_components)
            sum = std::min(cap, sum + c.headSize());
        return sum;
    }
    return 32;
}

bool operator==(const AbiType &a, const AbiType &b)
{
    return a.m_kind == b.m_kind && a.m_size == b.m_size && a.m_components == b.m_components;
}

QString canonicalList(const QList<AbiType> &types)
{
    QStringList parts;
    parts.reserve(types.size());
    for (const AbiType &t : types)
        parts.append(t.canonical());
    return parts.join(u',');
}

} // namespace berth::chain
