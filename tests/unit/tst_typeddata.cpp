#include "core/uint256.h"
#include "crypto/keccak.h"
#include "crypto/typeddata.h"
#include "devkeys.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::crypto;

namespace {

// EIP-712's own example (the spec's Example.js; the same vectors are in
// go-ethereum's signer/core/apitypes tests and MetaMask's eth-sig-util tests).
const char kMailJson[] = R"({
  "types": {
    "EIP712Domain": [
      {"name": "name", "type": "string"},
      {"name": "version", "type": "string"},
      {"name": "chainId", "type": "uint256"},
      {"name": "verifyingContract", "type": "address"}
    ],
    "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
    "Mail": [
      {"name": "from", "type": "Person"},
      {"name": "to", "type": "Person"},
      {"name": "contents", "type": "string"}
    ]
  },
  "primaryType": "Mail",
  "domain": {
    "name": "Ether Mail",
    "version": "1",
    "chainId": 1,
    "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
  },
  "message": {
    "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
    "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
    "contents": "Hello, Bob!"
  }
})";

QJsonObject parse(const char *json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        qFatal("test JSON does not parse: %s", qPrintable(error.errorString()));
    return doc.object();
}

QJsonObject mailJson()
{
    return parse(kMailJson);
}

QJsonObject nestedJson()
{
    QFile file(QStringLiteral(BERTH_TEST_DATA_DIR) + u"/crypto/typed-nested.json"_s);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read typed-nested.json");
    return QJsonDocument::fromJson(file.readAll()).object();
}

// A document whose primary type T has the single field "v" of `type`.
QJsonObject singleField(const QString &type, const QJsonValue &value)
{
    QJsonObject types{{u"T"_s, QJsonArray{QJsonObject{{u"name"_s, u"v"_s}, {u"type"_s, type}}}}};
    return QJsonObject{{u"types"_s, types},
                       {u"primaryType"_s, u"T"_s},
                       {u"domain"_s, QJsonObject{{u"name"_s, u"test"_s}}},
                       {u"message"_s, QJsonObject{{u"v"_s, value}}}};
}

// The 32-byte word that `value` encodes to as `type`, read back through hashStruct.
QByteArray wordOf(const QString &type, const QJsonValue &value, const QByteArray &expectedWord)
{
    auto data = TypedData::fromJson(singleField(type, value));
    if (!data)
        return "error: " + data.error().message.toUtf8();
    const QByteArray expected = keccak256(QByteArray(data->typeHash(u"T"_s) + expectedWord));
    return data->hashStruct(u"T"_s, data->message()).value() == expected ? expectedWord
                                                                         : "mismatch";
}

QString errorOf(const QJsonObject &json)
{
    auto data = TypedData::fromJson(json);
    return data.ok() ? u"(no error)"_s : data.error().message;
}

QJsonObject withMessageField(QJsonObject json, const QString &key, const QJsonValue &value)
{
    QJsonObject message = json.value(u"message").toObject();
    message.insert(key, value);
    json.insert(u"message", message);
    return json;
}

QJsonObject withType(QJsonObject json, const QString &name, const QJsonArray &fields)
{
    QJsonObject types = json.value(u"types").toObject();
    types.insert(name, fields);
    json.insert(u"types", types);
    return json;
}

QJsonObject field(const QString &name, const QString &type)
{
    return QJsonObject{{u"name"_s, name}, {u"type"_s, type}};
}

} // namespace

class TestTypedData : public QObject
{
    Q_OBJECT

private slots:
    void mailExampleFromTheSpec()
    {
        auto data = TypedData::fromJson(mailJson());
        QVERIFY2(data.ok(), qPrintable(errorOf(mailJson())));
        QCOMPARE(
            data->encodeType(u"Mail"_s),
            u"Mail(Person from,Person to,string contents)Person(string name,address wallet)"_s);
        QCOMPARE(data->encodeType(u"EIP712Domain"_s),
                 u"EIP712Domain(string name,string version,uint256 chainId,address "
                 u"verifyingContract)"_s);
        QCOMPARE(data->typeHash(u"Mail"_s).toHex(),
                 "a0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2");
        QCOMPARE(data->domainSeparator()->toHex(),
                 "f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f");
        QCOMPARE(data->hashStruct(u"Mail"_s, data->message())->toHex(),
                 "c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e");
        QCOMPARE(data->digest()->toHex(),
                 "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");
    }

    void mailExampleSignatureFromTheSpec()
    {
        auto data = TypedData::fromJson(mailJson());
        QVERIFY(data.ok());
        auto cow = PrivateKey::fromBytes(SecretBytes(keccak256("cow")));
        QVERIFY(cow.ok());
        QCOMPARE(cow->address().toChecksumString(),
                 u"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"_s);
        auto sig = data->sign(cow.value());
        QVERIFY(sig.ok());
        QCOMPARE(sig->recoveryId + 27, 28);
        QCOMPARE(sig->r.toHex(),
                 "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d");
        QCOMPARE(sig->s.toHex(),
                 "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562");
        auto signer = data->recoverSigner(sig->toRsv());
        QVERIFY(signer.ok());
        QCOMPARE(signer.value(), cow->address());
    }

    void nestedArraysAndBytesMatchCastAndViem()
    {
        // tests/data/crypto/typed-nested.json: struct arrays (fixed and dynamic),
        // int16[2][], bytes, bytes1/bytes4, negative int256, uint256 max, a salt.
        // Expected values computed once, independently:
        //   viem 2.x hashDomain / hashStruct / hashTypedData (node, contracts/)
        //   cast 1.7.1: cast wallet sign --data --from-file typed-nested.json
        //               --private-key <Anvil key 0>
        // (cast's signature recovers to Anvil account 0 over viem's digest.)
        auto data = TypedData::fromJson(nestedJson());
        QVERIFY2(data.ok(), qPrintable(errorOf(nestedJson())));
        QCOMPARE(data->encodeType(u"Order"_s),
                 u"Order(Person from,Person[2] to,Group[] groups,int16[2][] grid,bytes payload,"
                 u"bytes1 flag,bytes4 tag,int256 delta,uint8 small,uint256 big,bool ok,string "
                 u"note)Group(string label,Person[] members)Person(string name,address[] "
                 u"wallets)"_s);
        QCOMPARE(data->domainSeparator()->toHex(),
                 "33493b77ebd6237ce5819ac8df6cb4fdf24be0d6c9fb1f3e7d5df4e09bc65e35");
        QCOMPARE(data->hashStruct(u"Order"_s, data->message())->toHex(),
                 "87a2cf29bcf06766955a0c287e508ad30d48741ba6d4ac4299cca94369ba9a30");
        QCOMPARE(data->digest()->toHex(),
                 "585214f684aeca966603f491cc0482d8192b4bb626d490952658c846c9e4df48");
        QCOMPARE(data->sign(PrivateKey::fromHex(kAnvilKey0).value())->toRsv().toHex(),
                 "7c68c889f00fc9096472a4f246b4d635f7f962f96f18ad57433f893bdce28fdb"
                 "69d83f50bb2ec6198821191274ca061c0db8c72c593aba29be3045cac50149ca1b");
    }

    void escrowQuoteMatchesViem()
    {
        // The same input as contracts/test/helpers.mjs's QUOTE_TYPES and
        // escrowDomain(0xe7f1…0512), hashed and signed (Anvil key 0) by viem 2.x
        // (hashDomain, hashTypedData, privateKeyToAccount().signTypedData).
        const QJsonArray quoteFields{
            field(u"publisher"_s, u"address"_s),   field(u"deploymentId"_s, u"bytes32"_s),
            field(u"token"_s, u"address"_s),       field(u"ratePerSecond"_s, u"uint256"_s),
            field(u"noticePeriod"_s, u"uint64"_s), field(u"validUntil"_s, u"uint64"_s),
            field(u"nonce"_s, u"uint256"_s)};
        const QJsonObject quote{
            {u"publisher"_s, u"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"_s},
            {u"deploymentId"_s,
             u"0x1111111111111111111111111111111122222222222222222222222222222222"_s},
            {u"token"_s, u"0x5FbDB2315678afecb367f032d93F642f64180aa3"_s},
            {u"ratePerSecond"_s, u"3858024691358"_s},
            {u"noticePeriod"_s, 3600},
            {u"validUntil"_s, 1764000000},
            {u"nonce"_s, 7}};
        const Address escrow =
            Address::fromHex(u"0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"_s).value();
        const QJsonObject json{
            {u"types"_s, QJsonObject{{u"Quote"_s, quoteFields}}},
            {u"primaryType"_s, u"Quote"_s},
            {u"domain"_s, TypedData::domainJson(u"Berth Escrow"_s, u"1"_s, 31337, escrow)},
            {u"message"_s, quote}};
        auto data = TypedData::fromJson(json);
        QVERIFY2(data.ok(), qPrintable(errorOf(json)));
        // Escrow.sol's QUOTE_TYPEHASH string.
        QCOMPARE(data->encodeType(u"Quote"_s),
                 u"Quote(address publisher,bytes32 deploymentId,address token,uint256 "
                 u"ratePerSecond,uint64 noticePeriod,uint64 validUntil,uint256 nonce)"_s);
        // EIP712Domain was derived from the domain's keys, in EIP-712's order.
        QCOMPARE(data->encodeType(u"EIP712Domain"_s),
                 u"EIP712Domain(string name,string version,uint256 chainId,address "
                 u"verifyingContract)"_s);
        QCOMPARE(data->toJson().value(u"types").toObject().value(u"EIP712Domain").toArray().size(),
                 4);
        QCOMPARE(data->domainSeparator()->toHex(),
                 "e57f5bed24f48cd4e5ca87049f98fd286cd30910a1968a3da17b637e9e328dc6");
        QCOMPARE(data->digest()->toHex(),
                 "ef981560903157a9f31a80e496dcc586e2b6d646fb8e9ae2ee63309800a8bf69");
        QCOMPARE(data->sign(PrivateKey::fromHex(kAnvilKey0).value())->toRsv().toHex(),
                 "80eaef79358f1cb9a8ec7a43529b23ecde278cf2e918c51d23e801a641ecef5d"
                 "7c647eb0114abc70df03fd69f469173f53a66a328a7e4cc057ab6f1c0d97de531c");
        // toJson() round-trips to the same digest (what a wallet would be sent).
        QCOMPARE(TypedData::fromJson(data->toJson())->digest().value(), data->digest().value());
    }

    void domainJsonHasTheUsualFields()
    {
        const QJsonObject domain = TypedData::domainJson(
            u"Berth Escrow"_s, u"1"_s, 31337,
            Address::fromHex(u"0xe7f1725e7734ce288f8367e1bb143e90bb3f0512"_s).value());
        QCOMPARE(domain.value(u"name").toString(), u"Berth Escrow"_s);
        QCOMPARE(domain.value(u"version").toString(), u"1"_s);
        QCOMPARE(domain.value(u"chainId").toInteger(), 31337);
        QCOMPARE(domain.value(u"verifyingContract").toString(),
                 u"0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"_s);
        // Beyond 2^53 - 1 a JSON number is not exact everywhere: a string then.
        const QJsonObject huge =
            TypedData::domainJson(u"x"_s, u"1"_s, 18446744073709551615ull, Address());
        QCOMPARE(huge.value(u"chainId").toString(), u"18446744073709551615"_s);
    }

    void signatureOfOtherDataDoesNotVerify()
    {
        auto data = TypedData::fromJson(mailJson());
        const QByteArray sig = data->sign(PrivateKey::fromHex(kAnvilKey0).value())->toRsv();
        QCOMPARE(data->recoverSigner(sig)->toChecksumString(), kAnvilAddress0);
        auto changed =
            TypedData::fromJson(withMessageField(mailJson(), u"contents"_s, u"Hello, Bob?"_s));
        QVERIFY(changed.ok());
        auto other = changed->recoverSigner(sig);
        QVERIFY(!other.ok() || other->toChecksumString() != kAnvilAddress0);
        auto truncated = data->recoverSigner(sig.first(64));
        QVERIFY(!truncated.ok());
        QCOMPARE(truncated.error().code, ErrorCode::AuthFailed);
    }

    void integersAreEncodedAsWords()
    {
        const QByteArray ones(32, '\xff');
        QCOMPARE(wordOf(u"int8"_s, -1, ones), ones);
        QCOMPARE(wordOf(u"int256"_s, u"-1"_s, ones), ones);
        QCOMPARE(wordOf(u"int16"_s, u"-0x10"_s, ones.first(31) + '\xf0'), ones.first(31) + '\xf0');
        const QByteArray minInt256 = '\x80' + QByteArray(31, '\0');
        QCOMPARE(wordOf(u"int256"_s,
                        u"-0x8000000000000000000000000000000000000000000000000000000000000000"_s,
                        minInt256),
                 minInt256);
        const QByteArray minInt8 = ones.first(31) + '\x80';
        QCOMPARE(wordOf(u"int8"_s, -128, minInt8), minInt8);
        QCOMPARE(wordOf(u"int8"_s, 127, toBigEndian32(127)), toBigEndian32(127));
        QCOMPARE(wordOf(u"uint8"_s, 255, toBigEndian32(255)), toBigEndian32(255));
        QCOMPARE(wordOf(u"uint256"_s, u"0xff"_s, toBigEndian32(255)), toBigEndian32(255));
        QCOMPARE(wordOf(u"uint256"_s, u"1000000000000000000000000000000"_s,
                        toBigEndian32(parseUInt256(u"1000000000000000000000000000000").value())),
                 toBigEndian32(parseUInt256(u"1000000000000000000000000000000").value()));
        QCOMPARE(wordOf(u"uint64"_s, 9007199254740991.0, toBigEndian32(9007199254740991ull)),
                 toBigEndian32(9007199254740991ull));
        QCOMPARE(wordOf(u"int256"_s, u"-0"_s, toBigEndian32(0)), toBigEndian32(0));
    }

    void integersOutOfRangeOrInexactAreRejected()
    {
        QCOMPARE(errorOf(singleField(u"uint256"_s, 1e30)),
                 u"message.v: the JSON number 1e+30 is too large to be exact (above 2^53 - 1); "
                 u"write it as a decimal string"_s);
        QVERIFY(
            errorOf(singleField(u"uint64"_s, 9007199254740992.0)).contains(u"decimal string"_s));
        QCOMPARE(errorOf(singleField(u"uint8"_s, 1.5)), u"message.v: 1.5 is not an integer"_s);
        QCOMPARE(errorOf(singleField(u"uint64"_s, 1234567.25)),
                 u"message.v: 1234567.25 is not an integer"_s);
        QCOMPARE(TypedData::fromJson(singleField(u"uint8"_s, 1.5)).error().code,
                 ErrorCode::InvalidArgument);
        QCOMPARE(errorOf(singleField(u"uint8"_s, 256)),
                 u"message.v: 256 is out of range for uint8"_s);
        QCOMPARE(errorOf(singleField(u"uint8"_s, -1)), u"message.v: uint8 cannot be negative"_s);
        QCOMPARE(errorOf(singleField(u"int8"_s, -129)),
                 u"message.v: -129 is out of range for int8"_s);
        QCOMPARE(errorOf(singleField(u"int8"_s, 128)),
                 u"message.v: 128 is out of range for int8"_s);
        QCOMPARE(
            errorOf(singleField(
                u"int256"_s,
                u"0x8000000000000000000000000000000000000000000000000000000000000000"_s)),
            u"message.v: 0x8000000000000000000000000000000000000000000000000000000000000000 is "
            u"out of range for int256"_s);
        QVERIFY(errorOf(singleField(u"uint256"_s, QString(u"0x1"_s + QString(64, u'0'))))
                    .startsWith(u"message.v: '0x1"_s));
        QVERIFY(errorOf(singleField(u"uint256"_s, u"12abc"_s))
                    .contains(u"is not a decimal or 0x-hex integer"_s));
        QCOMPARE(errorOf(singleField(u"uint256"_s, true)),
                 u"message.v: expected an integer (a JSON number or a decimal or 0x-hex string) "
                 u"for uint256"_s);
    }

    void fixedBytesArePaddedOnTheRight()
    {
        const QByteArray flag = '\x7f' + QByteArray(31, '\0');
        QCOMPARE(wordOf(u"bytes1"_s, u"0x7f"_s, flag), flag);
        const QByteArray full =
            QByteArray::fromHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
        QCOMPARE(wordOf(u"bytes32"_s, QString(u"0x"_s + QString::fromLatin1(full.toHex())), full),
                 full);
        QCOMPARE(errorOf(singleField(u"bytes1"_s, u"0x7f00"_s)),
                 u"message.v: bytes1 needs exactly 1 bytes, got 2"_s);
        QCOMPARE(errorOf(singleField(u"bytes32"_s, u"0x"_s)),
                 u"message.v: bytes32 needs exactly 32 bytes, got 0"_s);
        QCOMPARE(errorOf(singleField(u"bytes4"_s, u"cafe0000"_s)),
                 u"message.v: expected 0x-prefixed hex bytes (an even number of digits) for "
                 u"bytes4"_s);
    }

    void dynamicBytesAndStringsAreHashed()
    {
        QCOMPARE(wordOf(u"bytes"_s, u"0x00ff"_s, keccak256(QByteArray("\x00\xff", 2))),
                 keccak256(QByteArray("\x00\xff", 2)));
        QCOMPARE(wordOf(u"bytes"_s, u"0x"_s, keccak256({})), keccak256({}));
        QCOMPARE(wordOf(u"string"_s, u"Émile"_s, keccak256(u"Émile"_s.toUtf8())),
                 keccak256(u"Émile"_s.toUtf8()));
        QVERIFY(errorOf(singleField(u"bytes"_s, u"0xabc"_s)).contains(u"even number"_s));
        QCOMPARE(errorOf(singleField(u"string"_s, 5)), u"message.v: expected a JSON string"_s);
        QCOMPARE(errorOf(singleField(u"bool"_s, u"true"_s)),
                 u"message.v: expected true or false"_s);
        QCOMPARE(wordOf(u"bool"_s, true, toBigEndian32(1)), toBigEndian32(1));
    }

    void arraysHashTheirConcatenatedElements()
    {
        const QByteArray expected = keccak256(QByteArray(toBigEndian32(1) + toBigEndian32(2)));
        QCOMPARE(wordOf(u"uint8[]"_s, QJsonArray{1, 2}, expected), expected);
        QCOMPARE(wordOf(u"uint8[2]"_s, QJsonArray{1, u"2"_s}, expected), expected);
        QCOMPARE(wordOf(u"uint8[]"_s, QJsonArray{}, keccak256({})), keccak256({}));
        QCOMPARE(errorOf(singleField(u"uint8[2]"_s, QJsonArray{1, 2, 3})),
                 u"message.v: uint8[2] needs exactly 2 elements, got 3"_s);
        QCOMPARE(errorOf(singleField(u"uint8[2][]"_s, QJsonArray{QJsonArray{1, 2}, QJsonArray{1}})),
                 u"message.v[1]: uint8[2] needs exactly 2 elements, got 1"_s);
        QCOMPARE(errorOf(singleField(u"uint8[]"_s, 1)),
                 u"message.v: expected a JSON array for uint8[]"_s);
        QCOMPARE(errorOf(singleField(u"uint8[0]"_s, QJsonArray{})),
                 u"types.T.v: malformed array type 'uint8[0]' (use T[] or T[k] with k >= 1)"_s);
    }

    void valueErrorsNameTheirPath()
    {
        QJsonObject json = nestedJson();
        QJsonObject message = json.value(u"message").toObject();
        QJsonObject from = message.value(u"from").toObject();
        QJsonArray wallets = from.value(u"wallets").toArray();
        wallets[1] = u"0x1234"_s;
        from.insert(u"wallets", wallets);
        message.insert(u"from", from);
        json.insert(u"message", message);
        QVERIFY(errorOf(json).startsWith(u"message.from.wallets[1]: "_s));

        // A mixed-case address must carry a valid EIP-55 checksum.
        wallets[1] = u"0xdeaDbeefdEAdbeefdEadbEEFdeadbeEFdEaDbeeF"_s;
        from.insert(u"wallets", wallets);
        message.insert(u"from", from);
        json.insert(u"message", message);
        QVERIFY(errorOf(json).startsWith(u"message.from.wallets[1]: "_s));
        QVERIFY(errorOf(json).contains(u"checksum"_s));

        QJsonObject groups = nestedJson();
        QJsonObject m = groups.value(u"message").toObject();
        QJsonArray groupArray = m.value(u"groups").toArray();
        QJsonObject group = groupArray.at(0).toObject();
        QJsonArray members = group.value(u"members").toArray();
        QJsonObject alice = members.at(0).toObject();
        alice.remove(u"name");
        members[0] = alice;
        group.insert(u"members", members);
        groupArray[0] = group;
        m.insert(u"groups", groupArray);
        groups.insert(u"message", m);
        QCOMPARE(errorOf(groups),
                 u"message.groups[0].members[0].name: missing (a string); every field of Person "
                 u"must be given"_s);

        QCOMPARE(errorOf(withMessageField(mailJson(), u"cc"_s, u"x"_s)),
                 u"message.cc: Mail has no field 'cc'; remove it, as it would not be signed"_s);
        QCOMPARE(errorOf(withMessageField(mailJson(), u"to"_s, u"Bob"_s)),
                 u"message.to: expected a JSON object for the struct Person"_s);
    }

    void domainErrorsNameTheirPath()
    {
        QJsonObject json = mailJson();
        QJsonObject domain = json.value(u"domain").toObject();
        domain.insert(u"chainId", u"one"_s);
        json.insert(u"domain", domain);
        QVERIFY(errorOf(json).startsWith(u"domain.chainId: 'one' is not"_s));

        // Without declared EIP712Domain, only the standard keys may be used.
        QJsonObject inferred = singleField(u"uint8"_s, 1);
        inferred.insert(u"domain", QJsonObject{{u"name"_s, u"x"_s}, {u"owner"_s, u"me"_s}});
        QCOMPARE(errorOf(inferred),
                 u"domain.owner: not a standard EIP-712 domain field; declare types.EIP712Domain "
                 u"to use it"_s);
    }

    void typeDefinitionErrors()
    {
        QJsonObject misspelt = mailJson();
        misspelt = withType(misspelt, u"Mail"_s,
                            {field(u"from"_s, u"Person"_s), field(u"to"_s, u"Persn"_s),
                             field(u"contents"_s, u"string"_s)});
        QCOMPARE(errorOf(misspelt),
                 u"types.Mail.to: unknown type 'Persn'; did you mean 'Person'?"_s);

        QCOMPARE(errorOf(singleField(u"uint7"_s, 1)).left(31),
                 u"types.T.v: unknown type 'uint7'"_s);
        QVERIFY(errorOf(singleField(u"uint"_s, 1)).startsWith(u"types.T.v: unknown type 'uint'"_s));

        QJsonObject duplicate =
            withType(mailJson(), u"Person"_s,
                     {field(u"name"_s, u"string"_s), field(u"name"_s, u"address"_s)});
        QCOMPARE(errorOf(duplicate), u"types.Person.name: the field name appears twice"_s);

        QJsonObject badName =
            withType(mailJson(), u"Person"_s, {field(u"full name"_s, u"string"_s)});
        QCOMPARE(errorOf(badName),
                 u"types.Person[0]: the field name 'full name' is not an identifier"_s);

        QJsonObject builtin = withType(mailJson(), u"address"_s, {field(u"x"_s, u"uint8"_s)});
        QCOMPARE(errorOf(builtin),
                 u"types.address: a struct cannot be named like the built-in type 'address'"_s);

        QJsonObject noPrimary = mailJson();
        noPrimary.insert(u"primaryType", u"mail"_s);
        QCOMPARE(errorOf(noPrimary), u"primaryType: unknown type 'mail'; did you mean 'Mail'?"_s);

        QJsonObject noMessage = mailJson();
        noMessage.remove(u"message");
        QCOMPARE(errorOf(noMessage), u"message: missing: an object with the fields of Mail"_s);

        QJsonObject noTypes = mailJson();
        noTypes.remove(u"types");
        QVERIFY(errorOf(noTypes).startsWith(u"types: missing"_s));
    }

    void recursiveTypesAreRejected()
    {
        QJsonObject self =
            withType(mailJson(), u"Person"_s,
                     {field(u"name"_s, u"string"_s), field(u"wallet"_s, u"address"_s),
                      field(u"friends"_s, u"Person[]"_s)});
        QCOMPARE(errorOf(self),
                 u"types.Person: recursive types cannot be signed (Person -> Person)"_s);

        QJsonObject indirect =
            withType(mailJson(), u"Person"_s,
                     {field(u"name"_s, u"string"_s), field(u"wallet"_s, u"address"_s),
                      field(u"last"_s, u"Mail"_s)});
        QCOMPARE(errorOf(indirect),
                 u"types.Mail: recursive types cannot be signed (Mail -> Person -> Mail)"_s);
    }

    void domainOnlyDigestLeavesTheMessageOut()
    {
        QJsonObject json = mailJson();
        json.insert(u"primaryType", u"EIP712Domain"_s);
        json.remove(u"message");
        auto data = TypedData::fromJson(json);
        QVERIFY2(data.ok(), qPrintable(errorOf(json)));
        QCOMPARE(data->digest().value(),
                 keccak256(QByteArray(QByteArray("\x19\x01") + data->domainSeparator().value())));
    }
};

QTEST_GUILESS_MAIN(TestTypedData)
#include "tst_typeddata.moc"
