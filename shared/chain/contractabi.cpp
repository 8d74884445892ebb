#include "chain/contractabi.h"

#include "chain/abicodec.h"
#include "core/hex.h"
#include "core/suggest.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace berth::chain {

namespace {

Result<QList<AbiType>> parameters(const QJsonValue &value, const QString &where)
{
    QList<AbiType> out;
    if (value.isUndefined() || value.isNull())
        return out;
    if (!value.isArray())
        return Error{ErrorCode::ParseFailed,
                     u"%1: the parameters are not a JSON array"_s.arg(where)};
    const QJsonArray array = value.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        auto type = AbiType::fromJson(array[i].toObject());
        if (!type)
            return Error{ErrorCode::ParseFailed,
                         u"%1, parameter %2: %3"_s.arg(where).arg(i + 1).arg(type.error().message)};
        out.append(std::move(type).value());
    }
    return out;
}

// Looks up an entry by name or by full signature.
template<typename Entry>
Result<Entry> findEntry(const QList<Entry> &entries, const QString &key, const QString &what)
{
    QList<const Entry *> matches;
    if (key.contains(u'(')) {
        // Canonicalize what the user typed ("f(uint, address)") before comparing.
        const qsizetype open = key.indexOf(u'(');
        QString wanted = key;
        QString params = key.mid(open);
        params.remove(u' ');
        if (params == u"()"_s) {
            wanted = key.left(open).trimmed() + u"()"_s;
        } else if (auto tuple = AbiType::parse(params)) {
            wanted =
                key.left(open).trimmed() + u"("_s + canonicalList(tuple->components()) + u")"_s;
        }
        for (const Entry &e : entries)
            if (e.signature() == wanted)
                return e;
        return Error{ErrorCode::NotFound, u"this contract has no %1 %2"_s.arg(what, wanted)};
    }
    for (const Entry &e : entries)
        if (e.name == key)
            matches.append(&e);
    if (matches.size() == 1)
        return *matches.first();
    if (matches.size() > 1) {
        QStringList signatures;
        for (const Entry *e : matches)
            signatures.append(e->signature());
        return Error{ErrorCode::InvalidArgument, u"%1 '%2' is overloaded: name one of %3"_s.arg(
                                                     what, key, signatures.join(u", "_s))};
    }
    QStringList names;
    for (const Entry &e : entries)
        names.append(e.name);
    const QString suggestion = closestMatch(key, names);
    if (!suggestion.isEmpty())
        return Error{ErrorCode::NotFound, u"this contract has no %1 '%2'; did you mean '%3'?"_s.arg(
                                              what, key, suggestion)};
    return Error{ErrorCode::NotFound, u"this contract has no %1 '%2'"_s.arg(what, key)};
}

bool isHashedWhenIndexed(const AbiType &type)
{
    switch (type.kind()) {
    case AbiType::Kind::Bytes:
    case AbiType::Kind::String:
    case AbiType::Kind::Array:
    case AbiType::Kind::FixedArray:
    case AbiType::Kind::Tuple:
        return true;
    default:
        return false;
    }
}

// Solidity's Panic(uint256) codes.
QString panicMeaning(const UInt256 &code)
{
    switch (static_cast<unsigned>(code > 0xff ? UInt256(0xff) : code)) {
    case 0x00:
        return u"generic compiler panic"_s;
    case 0x01:
        return u"assertion failed"_s;
    case 0x11:
        return u"arithmetic overflow or underflow"_s;
    case 0x12:
        return u"division or modulo by zero"_s;
    case 0x21:
        return u"invalid enum value"_s;
    case 0x22:
        return u"incorrectly encoded storage byte array"_s;
    case 0x31:
        return u"pop() on an empty array"_s;
    case 0x32:
        return u"array index out of bounds"_s;
    case 0x41:
        return u"out of memory: too much allocated or an array too large"_s;
    case 0x51:
        return u"call to a zero-initialized internal function"_s;
    default:
        return {};
    }
}

const QByteArray ErrorStringSelector = QByteArray::fromHex("08c379a0"); // Error(string)
const QByteArray PanicSelector = QByteArray::fromHex("4e487b71");       // Panic(uint256)

} // namespace

Result<ContractAbi> ContractAbi::fromJson(const QJsonArray &abi)
{
    ContractAbi out;
    for (qsizetype i = 0; i < abi.size(); ++i) {
        if (!abi[i].isObject())
            return Error{ErrorCode::ParseFailed, u"ABI entry %1 is not a JSON object"_s.arg(i + 1)};
        const QJsonObject entry = abi[i].toObject();
        // The spec lets "type" default to "function".
        const QString kind = entry.value(u"type"_s).toString(u"function"_s);
        const QString name = entry.value(u"name"_s).toString();
        const QString where = u"ABI %1 '%2'"_s.arg(kind, name);
        if (kind == u"fallback" || kind == u"receive")
            continue;
        auto inputs = parameters(entry.value(u"inputs"_s), where);
        if (!inputs)
            return inputs.error();
        if (kind == u"function" || kind == u"constructor") {
            auto outputs = parameters(entry.value(u"outputs"_s), where);
            if (!outputs)
                return outputs.error();
            AbiFunction f{name, *inputs, *outputs,
                          entry.value(u"stateMutability"_s).toString(u"nonpayable"_s)};
            if (kind == u"constructor") {
                f.name.clear();
                out.m_constructor = f;
            } else {
                if (name.isEmpty())
                    return Error{ErrorCode::ParseFailed,
                                 u"ABI entry %1 is a function without a name"_s.arg(i + 1)};
                out.m_functions.append(f);
            }
        } else if (kind == u"event") {
            out.m_events.append({name, *inputs, entry.value(u"anonymous"_s).toBool()});
        } else if (kind == u"error") {
            out.m_errors.append({name, *inputs});
        } else {
            return Error{ErrorCode::ParseFailed,
                         u"ABI entry %1 has the unknown type '%2'"_s.arg(i + 1).arg(kind)};
        }
    }
    return out;
}

Result<ContractAbi> ContractAbi::fromJsonDocument(QByteArrayView json)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json.toByteArray(), &parseError);
    if (doc.isNull())
        return Error{ErrorCode::ParseFailed,
                     u"the ABI is not valid JSON: %1"_s.arg(parseError.errorString())};
    if (doc.isArray())
        return fromJson(doc.array());
    const QJsonValue abi = doc.object().value(u"abi"_s);
    if (!abi.isArray())
        return Error{ErrorCode::ParseFailed,
                     u"expected a JSON ABI array or an object with an \"abi\" array"_s};
    return fromJson(abi.toArray());
}

Result<AbiFunction> ContractAbi::function(const QString &nameOrSignature) const
{
    return findEntry(m_functions, nameOrSignature, u"function"_s);
}

Result<AbiEvent> ContractAbi::event(const QString &nameOrSignature) const
{
    return findEntry(m_events, nameOrSignature, u"event"_s);
}

Result<QByteArray> ContractAbi::encodeCall(const QString &functionName,
                                           const QList<AbiValue> &args) const
{
    auto f = function(functionName);
    if (!f)
        return f.error();
    auto encoded = abiEncode(f->inputs, args);
    if (!encoded)
        return Error{encoded.error().code,
                     u"%1: %2"_s.arg(f->signature(), encoded.error().message)};
    return f->selector().append(*encoded);
}

Result<QList<AbiValue>> ContractAbi::decodeOutput(const QString &functionName,
                                                  QByteArrayView data) const
{
    auto f = function(functionName);
    if (!f)
        return f.error();
    if (data.isEmpty() && !f->outputs.isEmpty())
        return Error{ErrorCode::BadResponse,
                     u"%1 returned no data: check that the address holds this contract and the "
                     u"chain is the right one"_s.arg(f->signature())};
    auto decoded = abiDecode(f->outputs, data);
    if (!decoded)
        return Error{decoded.error().code,
                     u"the result of %1: %2"_s.arg(f->signature(), decoded.error().message)};
    return decoded;
}

Result<QByteArray> ContractAbi::encodeConstructor(const QList<AbiValue> &args) const
{
    auto encoded = abiEncode(m_constructor.inputs, args);
    if (!encoded)
        return Error{encoded.error().code, u"constructor: %1"_s.arg(encoded.error().message)};
    return encoded;
}

Result<DecodedLog> ContractAbi::decodeLog(const QList<QByteArray> &topics,
                                          QByteArrayView data) const
{
    if (topics.isEmpty())
        return Error{ErrorCode::NotFound,
                     u"the log has no topics: anonymous events cannot be decoded"_s};
    const AbiEvent *event = nullptr;
    for (const AbiEvent &e : m_events)
        if (!e.anonymous && e.topic0() == topics.first())
            event = &e;
    if (!event)
        return Error{ErrorCode::NotFound, u"no event of this contract has the topic %1"_s.arg(
                                              hexString(topics.first()))};

    QList<AbiType> dataTypes;
    qsizetype indexedCount = 0;
    for (const AbiType &input : event->inputs) {
        if (input.indexed())
            ++indexedCount;
        else
            dataTypes.append(input);
    }
    if (topics.size() != indexedCount + 1)
        return Error{ErrorCode::BadResponse,
                     u"a %1 log has %2 topics, expected %3"_s.arg(event->signature())
                         .arg(topics.size())
                         .arg(indexedCount + 1)};
    auto dataValues = abiDecode(dataTypes, data);
    if (!dataValues)
        return Error{ErrorCode::BadResponse, u"the data of a %1 log: %2"_s.arg(
                                                 event->signature(), dataValues.error().message)};

    DecodedLog out{event->name, event->signature(), {}};
    qsizetype nextTopic = 1;
    qsizetype nextData = 0;
    for (const AbiType &input : event->inputs) {
        if (!input.indexed()) {
            out.args.append({input.name(), dataValues->at(nextData++)});
            continue;
        }
        const QByteArray &topic = topics[nextTopic++];
        if (topic.size() != 32)
            return Error{ErrorCode::BadResponse,
                         u"a %1 log has a topic of %2 bytes, not 32"_s.arg(event->signature())
                             .arg(topic.size())};
        if (isHashedWhenIndexed(input)) {
            out.args.append({input.name(), AbiValue::fromBytes(topic)});
            continue;
        }
        auto value = abiDecode({input}, topic);
        if (!value)
            return Error{ErrorCode::BadResponse,
                         u"topic %1 of a %2 log: %3"_s.arg(nextTopic - 1)
                             .arg(event->signature(), value.error().message)};
        out.args.append({input.name(), value->first()});
    }
    return out;
}

QString ContractAbi::describeRevert(QByteArrayView revertData) const
{
    if (revertData.isEmpty())
        return u"no reason given"_s;
    if (revertData.size() < 4)
        return u"unknown error %1"_s.arg(hexString(revertData));
    const QByteArrayView selector = revertData.first(4);
    const QByteArrayView args = revertData.sliced(4);
    if (selector == ErrorStringSelector) {
        auto reason = abiDecode({AbiType::string()}, args);
        if (reason) {
            const QString text = reason->first().toString().value();
            return text.isEmpty() ? u"no reason given"_s : text;
        }
        return u"Error(string) with malformed data %1"_s.arg(hexString(revertData));
    }
    if (selector == PanicSelector) {
        auto code = abiDecode({AbiType::unsignedInt()}, args);
        if (!code)
            return u"Panic(uint256) with malformed data %1"_s.arg(hexString(revertData));
        const UInt256 value = code->first().toUInt().value();
        const QString meaning = panicMeaning(value);
        QString text = u"panic 0x"_s + toHexQuantity(value).mid(2).rightJustified(2, u'0');
        return meaning.isEmpty() ? text : text + u" ("_s + meaning + u")"_s;
    }
    for (const AbiError &e : m_errors) {
        if (e.selector() != selector)
            continue;
        auto values = abiDecode(e.inputs, args);
        if (!values)
            return u"%1 (with undecodable arguments %2)"_s.arg(e.signature(), hexString(args));
        QStringList parts;
        for (qsizetype i = 0; i < e.inputs.size(); ++i) {
            const QString value = values->at(i).toDisplayString();
            parts.append(e.inputs[i].name().isEmpty() ? value
                                                      : e.inputs[i].name() + u": "_s + value);
        }
        return e.name + u"("_s + parts.join(u", "_s) + u")"_s;
    }
    return u"unknown error %1"_s.arg(hexString(selector));
}

} // namespace berth::chain
