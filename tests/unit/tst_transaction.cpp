#include "chain/rlp.h"
#include "chain/transaction.h"
#include "crypto/keccak.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::chain;
using namespace berth::crypto;

namespace {

const auto AnvilKey0 = u"0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"_s;

// Produced offline with Foundry's cast 1.7.1 (no RPC involved):
//   cast mktx --chain 31337 --nonce 7 --gas-limit 100000 --gas-price 30gwei
//     --priority-gas-price 2gwei --value 1234567890123 --private-key <anvil key 0>
//     0x70997970C51812dc3A010C7d01b50e0d17dc79C8 "transfer(address,uint256)"
//     0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC 1000000000000000000
const QByteArray CastTransferTx =
    "02f8b9827a690784773594008506fc23ac00830186a09470997970c51812dc3a010c7d01b50e0d17dc79c886011f"
    "71fb04cbb844a9059cbb0000000000000000000000003c44cdddb6a900fa2b585dd299e03d12fa4293bc00000000"
    "00000000000000000000000000000000000000000de0b6b3a7640000c001a044fc8ecd7f82a524c535eb6d6dd015"
    "1f7b70d7757ce3a83877d8b681c852e9eea06490b8d6222952017d4feb0d49eb4f3eebccd1f33797c5a0f5160f79"
    "0b30362d";
// cast keccak of the raw transaction above.
const QByteArray CastTransferHash =
    "6d8d108706edf05144118a8286f0d57b469c2e101d99f60b83240e070f7feb6d";
// cast mktx --chain 31337 --nonce 0 --gas-limit 60000 --gas-price 2000000000
//   --priority-gas-price 1 --private-key <anvil key 0> --create 0x6001600055
const QByteArray CastCreateTx =
    "02f859827a698001847735940082ea608080856001600055c080a0fe05c011daf77fd9b445240e10871f1a048aba"
    "21abf830e98e3aebcaf9bd46cea026e4e3795e0256b6d72608a5269ef018753f300ec49491a936942af9f36fe5d0";

Address addr(const QString &hex)
{
    return Address::fromHex(hex).value();
}

LegacyTransaction eip155ExampleTx()
{
    LegacyTransaction tx;
    tx.chainId = 1;
    tx.nonce = 9;
    tx.gasPrice = UInt256(20'000'000'000ULL);
    tx.gasLimit = 21000;
    tx.to = addr(u"0x3535353535353535353535353535353535353535"_s);
    tx.value = UInt256(1'000'000'000'000'000'000ULL);
    return tx;
}

} // namespace

class TestTransaction : public QObject
{
    Q_OBJECT

private slots:
    // EIP-155's own example: signing hash and signed transaction.
    void eip155Example()
    {
        const LegacyTransaction tx = eip155ExampleTx();
        QCOMPARE(tx.signingHash().toHex(),
                 "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
        const PrivateKey key =
            PrivateKey::fromHex(
                u"4646464646464646464646464646464646464646464646464646464646464646"_s)
                .value();
        const QByteArray raw = tx.sign(key);
        QCOMPARE(
            raw.toHex(),
            "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a7640000"
            "8025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d899"
            "7f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83");

        Signature sig;
        auto decoded = LegacyTransaction::decodeSigned(raw, &sig);
        QVERIFY(decoded.ok());
        QCOMPARE(decoded->chainId, quint64(1));
        QCOMPARE(decoded->nonce, quint64(9));
        QCOMPARE(decoded->gasLimit, quint64(21000));
        QVERIFY(decoded->gasPrice == tx.gasPrice);
        QVERIFY(decoded->value == tx.value);
        QCOMPARE(decoded->to, tx.to);
        QCOMPARE(sig.recoveryId, 0);
        QCOMPARE(decoded->signingHash(), tx.signingHash());
        QCOMPARE(sig.recoverSigner(decoded->signingHash()).value(), key.address());
    }

    void legacyWithoutChainIdUsesV27()
    {
        LegacyTransaction tx = eip155ExampleTx();
        tx.chainId = 0;
        const PrivateKey key = PrivateKey::generate();
        Signature sig;
        auto decoded = LegacyTransaction::decodeSigned(tx.sign(key), &sig);
        QVERIFY(decoded.ok());
        QCOMPARE(decoded->chainId, quint64(0));
        QCOMPARE(sig.recoverSigner(tx.signingHash()).value(), key.address());
    }

    void eip1559MatchesCast()
    {
        const PrivateKey key = PrivateKey::fromHex(AnvilKey0).value();
        Eip1559Transaction tx;
        tx.chainId = 31337;
        tx.nonce = 7;
        tx.maxPriorityFeePerGas = UInt256(2'000'000'000ULL);
        tx.maxFeePerGas = UInt256(30'000'000'000ULL);
        tx.gasLimit = 100000;
        tx.to = addr(u"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"_s);
        tx.value = UInt256(1234567890123ULL);
        tx.data = QByteArray::fromHex(
            "a9059cbb0000000000000000000000003c44cdddb6a900fa2b585dd299e03d12fa4293bc"
            "0000000000000000000000000000000000000000000000000de0b6b3a7640000");
        const QByteArray raw = tx.sign(key);
        QCOMPARE(raw.toHex(), CastTransferTx);
        QCOMPARE(Eip1559Transaction::hashOfRaw(raw).toHex(), CastTransferHash);

        Signature sig;
        auto decoded = Eip1559Transaction::decodeSigned(QByteArray::fromHex(CastTransferTx), &sig);
        QVERIFY2(decoded.ok(), qPrintable(decoded.ok() ? QString() : decoded.error().message));
        QCOMPARE(decoded->chainId, quint64(31337));
        QCOMPARE(decoded->nonce, quint64(7));
        QCOMPARE(decoded->gasLimit, quint64(100000));
        QVERIFY(decoded->maxPriorityFeePerGas == tx.maxPriorityFeePerGas);
        QVERIFY(decoded->maxFeePerGas == tx.maxFeePerGas);
        QVERIFY(decoded->value == tx.value);
        QCOMPARE(decoded->to, tx.to);
        QCOMPARE(decoded->data, tx.data);
        QCOMPARE(sig.recoverSigner(decoded->signingHash()).value(), key.address());
        QCOMPARE(decoded->encodeSigned(sig).toHex(), CastTransferTx);
    }

    void eip1559ContractCreationMatchesCast()
    {
        const PrivateKey key = PrivateKey::fromHex(AnvilKey0).value();
        Eip1559Transaction tx;
        tx.chainId = 31337;
        tx.maxPriorityFeePerGas = 1;
        tx.maxFeePerGas = UInt256(2'000'000'000ULL);
        tx.gasLimit = 60000;
        tx.data = QByteArray::fromHex("6001600055");
        QCOMPARE(tx.sign(key).toHex(), CastCreateTx);

        Signature sig;
        auto decoded = Eip1559Transaction::decodeSigned(QByteArray::fromHex(CastCreateTx), &sig);
        QVERIFY(decoded.ok());
        QVERIFY(!decoded->to.has_value());
        QCOMPARE(decoded->nonce, quint64(0));
        QVERIFY(decoded->value == 0);
        QCOMPARE(sig.recoverSigner(decoded->signingHash()).value(),
                 addr(u"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"_s));
    }

    void decodeRejectsMalformedTransactions()
    {
        const QByteArray good = QByteArray::fromHex(CastTransferTx);
        auto wrongType = Eip1559Transaction::decodeSigned(good.mid(1));
        QVERIFY(!wrongType.ok());
        QVERIFY(wrongType.error().message.contains(u"0x02"_s));
        QVERIFY(!Eip1559Transaction::decodeSigned({}).ok());
        QVERIFY(!Eip1559Transaction::decodeSigned(good.left(good.size() - 1)).ok());
        QVERIFY(!Eip1559Transaction::decodeSigned(QByteArray(good).append('\0')).ok());

        // Re-encode the fields with one changed and check the complaint.
        auto fieldsOf = [&] { return rlpDecode(QByteArrayView(good).sliced(1)).value().items; };
        auto encode = [](const QList<RlpItem> &fields) {
            return QByteArray(1, '\x02').append(rlpEncode(RlpItem::fromList(fields)));
        };
        QList<RlpItem> f = fieldsOf();
        f[5] = RlpItem::fromBytes(QByteArray(19, '\x11'));
        auto shortTo = Eip1559Transaction::decodeSigned(encode(f));
        QVERIFY(!shortTo.ok());
        QVERIFY(shortTo.error().message.contains(u"to has 19 bytes"_s));

        f = fieldsOf();
        f[9] = RlpItem::fromUInt(2);
        QVERIFY(Eip1559Transaction::decodeSigned(encode(f)).error().message.contains(
            u"yParity must be 0 or 1"_s));

        f = fieldsOf();
        f[1] = RlpItem::fromBytes(QByteArray::fromHex("0007"));
        QVERIFY(Eip1559Transaction::decodeSigned(encode(f)).error().message.contains(u"nonce"_s));

        f = fieldsOf();
        f[8] = RlpItem::fromList({RlpItem::fromList(
            {RlpItem::fromBytes(QByteArray(20, '\x01')), RlpItem::fromList({})})});
        auto accessList = Eip1559Transaction::decodeSigned(encode(f));
        QVERIFY(!accessList.ok());
        QCOMPARE(accessList.error().code, ErrorCode::Unsupported);

        f = fieldsOf();
        f.removeLast();
        QVERIFY(
            Eip1559Transaction::decodeSigned(encode(f)).error().message.contains(u"12 fields"_s));
    }

    void signaturesWithLeadingZeroBytesEncodeMinimally()
    {
        // r and s are RLP integers: a signature whose r starts with 0x00 loses that byte.
        Eip1559Transaction tx;
        tx.chainId = 1;
        Signature sig;
        sig.r = QByteArray(1, '\0') + QByteArray(31, '\x7f');
        sig.s = QByteArray(2, '\0') + QByteArray(30, '\x11');
        sig.recoveryId = 1;
        const QByteArray raw = tx.encodeSigned(sig);
        const RlpItem list = rlpDecode(QByteArrayView(raw).sliced(1)).value();
        QCOMPARE(list.items[10].bytes.size(), 31);
        QCOMPARE(list.items[11].bytes.size(), 30);
        Signature back;
        QVERIFY(Eip1559Transaction::decodeSigned(raw, &back).ok());
        QCOMPARE(back.r, sig.r);
        QCOMPARE(back.s, sig.s);
        QCOMPARE(back.recoveryId, 1);
    }

    void transactionHashIsKeccakOfRaw()
    {
        const QByteArray raw = QByteArray::fromHex(CastCreateTx);
        QCOMPARE(Eip1559Transaction::hashOfRaw(raw), keccak256(raw));
        QCOMPARE(LegacyTransaction::hashOfRaw(raw), keccak256(raw));
    }
};

QTEST_GUILESS_MAIN(TestTransaction)
#include "tst_transaction.moc"
