#include "crypto/typeddata.h"

#include "core/suggest.h"
#include "core/uint256.h"
#include "crypto/keccak.h"

#include <QJsonArray>
#include <QLocale>
#include <QSet>

#include <algorithm>
#include <cmath>
#include <functional>

using namespace Qt::StringLiterals;

namespace berth::crypto {

namespace {

const QString kDomainType = u"EIP712Domain"_s;

// Integers a JSON number holds exactly in every reader (JavaScript's safe range).
constexpr double kMaxSafeJsonInteger = 9007199254740991.0;

Error invalid(const QString &path, const QString &what)
{
    return Error{ErrorCode::InvalidArgument, path.isEmpty() ? what : path + u": "_s + what};
}

QString childPath(const QString &path, const QString &name)
{
    return path.isEmpty() ? name : path + u'.' + name;
}

QString indexPath(const QString &path, qsizetype index)
{
    return path + u'[' + QString::number(index) + u']';
}

bool isIdentifier(const QString &s)
{
    if (s.isEmpty())
        return false;
    for (qsizetype i = 0; i < s.size(); ++i) {
        const QChar c = s.at(i);
        const bool letter =
            (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || c == u'_' || c == u'$';
        if (!letter && !(i > 0 && c >= u'0' && c <= u'9'))
            return false;
    }
    return true;
}

// A positive decimal number without a leading zero, within [min, max]; 0 otherwise.
int smallNumber(QStringView digits, int min, int max)
{
    if (digits.isEmpty() || digits.size() > 3 || digits.front() == u'0')
        return 0;
    bool ok = false;
    const int n = digits.toInt(&ok);
    return ok && n >= min && n <= max ? n : 0;
}

// "uint8" .. "uint256", "int8" .. "int256" (N a multiple of 8).
bool parseIntegerType(QStringView type, bool *isSigned, int *bits)
{
    QStringView digits;
    if (type.startsWith(u"uint")) {
        *isSigned = false;
        digits = type.mid(4);
    } else if (type.startsWith(u"int")) {
        *isSigned = true;
        digits = type.mid(3);
    } else {
        return false;
    }
    *bits = smallNumber(digits, 8, 256);
    return *bits != 0 && *bits % 8 == 0;
}

// "bytes1" .. "bytes32": the byte count, 0 for anything else.
int fixedBytesLength(QStringView type)
{
    return type.startsWith(u"bytes") ? smallNumber(type.mid(5), 1, 32) : 0;
}

bool isAtomicOrDynamic(QStringView type)
{
    bool isSigned = false;
    int bits = 0;
    return type == u"address" || type == u"bool" || type == u"string" || type == u"bytes" ||
           fixedBytesLength(type) != 0 || parseIntegerType(type, &isSigned, &bits);
}

// Splits "T[k]" / "T[]" into T and k (-1 for a dynamic array). False when the
// type is not an array; *malformed is set for a broken suffix such as "T[0]".
bool splitArrayType(const QString &type, QString *element, int *length, bool *malformed)
{
    *malformed = false;
    if (!type.endsWith(u']'))
        return false;
    const qsizetype open = type.lastIndexOf(u'[');
    if (open <= 0) {
        *malformed = true;
        return true;
    }
    const QStringView inner = QStringView(type).sliced(open + 1, type.size() - open - 2);
    *element = type.first(open);
    *length = -1;
    if (!inner.isEmpty()) {
        *length = smallNumber(inner, 1, 999);
        *malformed = *length == 0;
    }
    return true;
}

// The struct or atomic type under any array suffixes ("Person[2][]" -> "Person").
QString baseType(const QString &type)
{
    const qsizetype open = type.indexOf(u'[');
    return open < 0 ? type : type.first(open);
}

Result<QByteArray> parseHex(const QJsonValue &value, const QString &path, const QString &type)
{
    const QString text = value.toString();
    const bool prefixed = text.startsWith(u"0x") || text.startsWith(u"0X");
    bool ok = value.isString() && prefixed && text.size() % 2 == 0;
    for (qsizetype i = 2; ok && i < text.size(); ++i) {
        const QChar c = text.at(i).toLower();
        ok = (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f');
    }
    if (!ok)
        return invalid(path,
                       u"expected 0x-prefixed hex bytes (an even number of digits) for "_s + type);
    return QByteArray::fromHex(text.sliced(2).toLatin1());
}

// 1.5, 1e+30: the shortest text that reads back as the same double.
QString shortest(double d)
{
    return QString::number(d, 'g', QLocale::FloatingPointShortest);
}

Result<QByteArray> encodeInteger(const QJsonValue &value, bool isSigned, int bits,
                                 const QString &path, const QString &type)
{
    bool negative = false;
    UInt256 magnitude;
    if (value.isDouble()) {
        const double d = value.toDouble();
        if (!std::isfinite(d) || d != std::trunc(d))
            return invalid(path, u"%1 is not an integer"_s.arg(shortest(d)));
        if (std::fabs(d) > kMaxSafeJsonInteger)
            return invalid(path, u"the JSON number %1 is too large to be exact (above 2^53 - 1); "
                                 u"write it as a decimal string"_s.arg(shortest(d)));
        negative = d < 0;
        magnitude = UInt256(static_cast<quint64>(std::fabs(d)));
    } else if (value.isString()) {
        const QString text = value.toString();
        negative = text.startsWith(u'-');
        auto parsed = parseUInt256(QStringView(text).mid(negative ? 1 : 0));
        if (!parsed)
            return invalid(path,
                           u"'%1' is not a decimal or 0x-hex integer that fits in 256 bits"_s.arg(
                               value.toString()));
        magnitude = parsed.value();
    } else {
        return invalid(path, u"expected an integer (a JSON number or a decimal or 0x-hex string) "
                             u"for "_s +
                                 type);
    }
    if (magnitude == 0)
        negative = false;
    if (negative && !isSigned)
        return invalid(path, u"%1 cannot be negative"_s.arg(type));
    // uint256 needs no check: parseUInt256 already rejects anything above 2^256 - 1.
    if (isSigned || bits < 256) {
        const UInt256 limit = UInt256(1) << (isSigned ? bits - 1 : bits);
        const bool inRange = negative ? magnitude <= limit : magnitude < limit;
        if (!inRange) {
            const QString shown =
                value.isString() ? value.toString() : QString::number(value.toDouble(), 'f', 0);
            return invalid(path, u"%1 is out of range for %2"_s.arg(shown, type));
        }
    }
    // Negative values in two's complement: UInt256 arithmetic wraps modulo 2^256.
    return toBigEndian32(negative ? UInt256(0) - magnitude : magnitude);
}

// The EIP712Domain fields in EIP-712's order, for a domain without declared types.
Result<QList<TypedData::Field>> inferDomainType(const QJsonObject &domain)
{
    static const QList<TypedData::Field> standard = {{u"name"_s, u"string"_s},
                                                     {u"version"_s, u"string"_s},
                                                     {u"chainId"_s, u"uint256"_s},
                                                     {u"verifyingContract"_s, u"address"_s},
                                                     {u"salt"_s, u"bytes32"_s}};
    QList<TypedData::Field> fields;
    QStringList known;
    for (const auto &field : standard) {
        known << field.name;
        if (domain.contains(field.name))
            fields << field;
    }
    for (auto it = domain.begin(); it != domain.end(); ++it) {
        if (!known.contains(it.key()))
            return invalid(u"domain."_s + it.key(),
                           u"not a standard EIP-712 domain field; declare types.EIP712Domain to "
                           u"use it"_s);
    }
    return fields;
}

} // namespace

Result<TypedData> TypedData::fromJson(const QJsonObject &json)
{
    TypedData data;
    if (!json.value(u"types").isObject())
        return invalid(u"types"_s, u"missing: an object mapping each struct to its fields"_s);
    const QJsonObject types = json.value(u"types").toObject();

    // Struct definitions.
    for (auto it = types.begin(); it != types.end(); ++it) {
        const QString typePath = u"types."_s + it.key();
        if (!isIdentifier(it.key()))
            return invalid(typePath, u"a struct name must be an identifier (letters, digits, _ "
                                     u"and $, not starting with a digit)"_s);
        if (isAtomicOrDynamic(it.key()))
            return invalid(typePath,
                           u"a struct cannot be named like the built-in type '%1'"_s.arg(it.key()));
        if (!it.value().isArray())
            return invalid(typePath, u"expected an array of {name, type} fields"_s);
        const QJsonArray fieldArray = it.value().toArray();
        QList<Field> fields;
        QSet<QString> names;
        for (qsizetype i = 0; i < fieldArray.size(); ++i) {
            const QJsonObject f = fieldArray.at(i).toObject();
            if (!f.value(u"name").isString() || !f.value(u"type").isString())
                return invalid(indexPath(typePath, i),
                               u"a field is an object with string 'name' and 'type'"_s);
            Field field{f.value(u"name").toString(), f.value(u"type").toString()};
            const QString fieldPath = childPath(typePath, field.name);
            if (!isIdentifier(field.name))
                return invalid(indexPath(typePath, i),
                               u"the field name '%1' is not an identifier"_s.arg(field.name));
            if (names.contains(field.name))
                return invalid(fieldPath, u"the field name appears twice"_s);
            names.insert(field.name);
            fields << field;
        }
        data.m_types.insert(it.key(), fields);
    }

    // Domain (its type may be derived from its keys).
    if (!json.value(u"domain").isObject())
        return invalid(u"domain"_s, u"missing: an object with the EIP712Domain fields"_s);
    data.m_domain = json.value(u"domain").toObject();
    if (!data.m_types.contains(kDomainType)) {
        auto domainType = inferDomainType(data.m_domain);
        if (!domainType)
            return domainType.error();
        data.m_types.insert(kDomainType, domainType.value());
    }

    // Every field type must be known and well formed.
    const QStringList structNames = data.m_types.keys();
    for (auto it = data.m_types.cbegin(); it != data.m_types.cend(); ++it) {
        for (const Field &field : it.value()) {
            const QString fieldPath = u"types."_s + it.key() + u'.' + field.name;
            QString type = field.type;
            QString element;
            int length = 0;
            bool malformed = false;
            while (splitArrayType(type, &element, &length, &malformed) && !malformed)
                type = element;
            if (malformed)
                return invalid(
                    fieldPath,
                    u"malformed array type '%1' (use T[] or T[k] with k >= 1)"_s.arg(field.type));
            if (isAtomicOrDynamic(type) || data.m_types.contains(type))
                continue;
            QString message = u"unknown type '%1'"_s.arg(type);
            const QString hint = closestMatch(
                type, structNames + QStringList{u"address"_s, u"bool"_s, u"string"_s, u"bytes"_s,
                                                u"bytes32"_s, u"uint256"_s, u"int256"_s});
            if (!hint.isEmpty())
                message += u"; did you mean '%1'?"_s.arg(hint);
            return invalid(fieldPath, message);
        }
    }

    // No recursion: encodeType and hashStruct would never end.
    QMap<QString, int> state; // 1 = on the current path, 2 = done
    QStringList trail;
    std::function<QString(const QString &)> findCycle = [&](const QString &type) -> QString {
        state[type] = 1;
        trail << type;
        for (const Field &field : data.m_types.value(type)) {
            const QString ref = baseType(field.type);
            if (!data.m_types.contains(ref))
                continue;
            if (state.value(ref) == 1)
                return (trail.mid(trail.indexOf(ref)) << ref).join(u" -> "_s);
            if (state.value(ref) == 0) {
                const QString cycle = findCycle(ref);
                if (!cycle.isEmpty())
                    return cycle;
            }
        }
        trail.removeLast();
        state[type] = 2;
        return {};
    };
    for (const QString &type : structNames) {
        if (state.value(type) != 0)
            continue;
        const QString cycle = findCycle(type);
        if (!cycle.isEmpty())
            return invalid(u"types."_s + cycle.section(u' ', 0, 0),
                           u"recursive types cannot be signed (%1)"_s.arg(cycle));
    }

    // Each struct's type hash, once: hashStruct needs it for every instance.
    for (const QString &type : structNames)
        data.m_typeHashes.insert(type, keccak256(data.encodeType(type).toUtf8()));

    // What is signed.
    if (!json.value(u"primaryType").isString())
        return invalid(u"primaryType"_s, u"missing: the name of the struct being signed"_s);
    data.m_primaryType = json.value(u"primaryType").toString();
    if (!data.m_types.contains(data.m_primaryType)) {
        QString message = u"unknown type '%1'"_s.arg(data.m_primaryType);
        const QString hint = closestMatch(data.m_primaryType, structNames);
        if (!hint.isEmpty())
            message += u"; did you mean '%1'?"_s.arg(hint);
        return invalid(u"primaryType"_s, message);
    }
    if (data.m_primaryType != kDomainType) {
        if (!json.value(u"message").isObject())
            return invalid(u"message"_s,
                           u"missing: an object with the fields of %1"_s.arg(data.m_primaryType));
        data.m_message = json.value(u"message").toObject();
    }

    // Check every value now, so that a bad document fails here, with its path.
    auto digest = data.digest();
    if (!digest)
        return digest.error();
    return data;
}

QJsonObject TypedData::domainJson(const QString &name, const QString &version, quint64 chainId,
                                  const Address &verifyingContract)
{
    QJsonObject domain;
    domain.insert(u"name", name);
    domain.insert(u"version", version);
    // A JSON number where every reader sees it exactly, a decimal string otherwise.
    if (static_cast<double>(chainId) <= kMaxSafeJsonInteger)
        domain.insert(u"chainId", static_cast<qint64>(chainId));
    else
        domain.insert(u"chainId", QString::number(chainId));
    domain.insert(u"verifyingContract", verifyingContract.toChecksumString());
    return domain;
}

QJsonObject TypedData::toJson() const
{
    QJsonObject types;
    for (auto it = m_types.cbegin(); it != m_types.cend(); ++it) {
        QJsonArray fields;
        for (const Field &field : it.value())
            fields.append(QJsonObject{{u"name"_s, field.name}, {u"type"_s, field.type}});
        types.insert(it.key(), fields);
    }
    QJsonObject json{
        {u"types"_s, types}, {u"primaryType"_s, m_primaryType}, {u"domain"_s, m_domain}};
    if (m_primaryType != kDomainType)
        json.insert(u"message", m_message);
    return json;
}

void TypedData::collectReferencedTypes(const QString &type, QStringList &found) const
{
    for (const Field &field : m_types.value(type)) {
        const QString ref = baseType(field.type);
        if (m_types.contains(ref) && !found.contains(ref)) {
            found << ref;
            collectReferencedTypes(ref, found);
        }
    }
}

QString TypedData::encodeType(const QString &type) const
{
    if (!m_types.contains(type))
        return {};
    QStringList referenced;
    collectReferencedTypes(type, referenced);
    referenced.removeAll(type);
    referenced.sort();
    referenced.prepend(type);
    QString out;
    for (const QString &name : std::as_const(referenced)) {
        QStringList members;
        for (const Field &field : m_types.value(name))
            members << field.type + u' ' + field.name;
        out += name + u'(' + members.join(u',') + u')';
    }
    return out;
}

QByteArray TypedData::typeHash(const QString &type) const
{
    const auto cached = m_typeHashes.constFind(type);
    return cached != m_typeHashes.cend() ? cached.value() : keccak256(encodeType(type).toUtf8());
}

Result<QByteArray> TypedData::hashStruct(const QString &type, const QJsonObject &value,
                                         const QString &path) const
{
    if (!m_types.contains(type))
        return invalid(path, u"unknown struct type '%1'"_s.arg(type));
    const QList<Field> fields = m_types.value(type);
    for (auto it = value.begin(); it != value.end(); ++it) {
        const bool declared = std::any_of(fields.begin(), fields.end(),
                                          [&](const Field &f) { return f.name == it.key(); });
        if (!declared)
            return invalid(childPath(path, it.key()),
                           u"%1 has no field '%2'; remove it, as it would not be signed"_s.arg(
                               type, it.key()));
    }
    QByteArray encoded = typeHash(type);
    for (const Field &field : fields) {
        const QString fieldPath = childPath(path, field.name);
        if (!value.contains(field.name))
            return invalid(fieldPath, u"missing (a %1); every field of %2 must be given"_s.arg(
                                          field.type, type));
        auto word = encodeValue(field.type, value.value(field.name), fieldPath);
        if (!word)
            return word.error();
        encoded += word.value();
    }
    return keccak256(encoded);
}

Result<QByteArray> TypedData::encodeValue(const QString &type, const QJsonValue &value,
                                          const QString &path) const
{
    QString element;
    int length = 0;
    bool malformed = false;
    if (splitArrayType(type, &element, &length, &malformed)) {
        if (malformed)
            return invalid(path, u"malformed array type '%1'"_s.arg(type));
        if (!value.isArray())
            return invalid(path, u"expected a JSON array for %1"_s.arg(type));
        const QJsonArray items = value.toArray();
        if (length >= 0 && items.size() != length)
            return invalid(
                path,
                u"%1 needs exactly %2 elements, got %3"_s.arg(type).arg(length).arg(items.size()));
        QByteArray concatenated;
        for (qsizetype i = 0; i < items.size(); ++i) {
            auto word = encodeValue(element, items.at(i), indexPath(path, i));
            if (!word)
                return word.error();
            concatenated += word.value();
        }
        return keccak256(concatenated);
    }
    if (m_types.contains(type)) {
        if (!value.isObject())
            return invalid(path, u"expected a JSON object for the struct %1"_s.arg(type));
        return hashStruct(type, value.toObject(), path);
    }
    if (type == u"string") {
        if (!value.isString())
            return invalid(path, u"expected a JSON string"_s);
        return keccak256(value.toString().toUtf8());
    }
    if (type == u"bytes") {
        auto bytes = parseHex(value, path, type);
        if (!bytes)
            return bytes.error();
        return keccak256(bytes.value());
    }
    if (type == u"bool") {
        if (!value.isBool())
            return invalid(path, u"expected true or false"_s);
        return toBigEndian32(UInt256(value.toBool() ? 1 : 0));
    }
    if (type == u"address") {
        if (!value.isString())
            return invalid(path, u"expected an address as a 0x-prefixed hex string"_s);
        auto address = Address::fromHex(value.toString());
        if (!address)
            return invalid(path, address.error().message);
        return QByteArray(QByteArray(12, '\0') + address->bytes());
    }
    if (const int size = fixedBytesLength(type)) {
        auto bytes = parseHex(value, path, type);
        if (!bytes)
            return bytes.error();
        if (bytes->size() != size)
            return invalid(path, u"%1 needs exactly %2 bytes, got %3"_s.arg(type).arg(size).arg(
                                     bytes->size()));
        // bytesN is left-aligned in its word.
        return QByteArray(bytes.value() + QByteArray(32 - size, '\0'));
    }
    bool isSigned = false;
    int bits = 0;
    if (parseIntegerType(type, &isSigned, &bits))
        return encodeInteger(value, isSigned, bits, path, type);
    return invalid(path, u"unknown type '%1'"_s.arg(type));
}

Result<QByteArray> TypedData::domainSeparator() const
{
    return hashStruct(kDomainType, m_domain, u"domain"_s);
}

Result<QByteArray> TypedData::digest() const
{
    auto domainHash = domainSeparator();
    if (!domainHash)
        return domainHash.error();
    QByteArray payload("\x19\x01");
    payload += domainHash.value();
    if (m_primaryType != kDomainType) {
        auto messageHash = hashStruct(m_primaryType, m_message, u"message"_s);
        if (!messageHash)
            return messageHash.error();
        payload += messageHash.value();
    }
    return keccak256(payload);
}

Result<Signature> TypedData::sign(const PrivateKey &key) const
{
    auto hash = digest();
    if (!hash)
        return hash.error();
    return key.sign(hash.value());
}

Result<Address> TypedData::recoverSigner(QByteArrayView signature65) const
{
    auto signature = Signature::fromRsv(signature65);
    if (!signature)
        return Error{ErrorCode::AuthFailed, signature.error().message};
    auto hash = digest();
    if (!hash)
        return hash.error();
    return signature->recoverSigner(hash.value());
}

} // namespace berth::crypto
