// libFuzzer target: hostile bytes through the chain decoders. The first byte
// picks a decoder: the ABI decoder with one of the contracts' return types
// (as a lying RPC node would feed it), RLP, or a signed EIP-1559 transaction.
// Must never crash, hang or leak; whatever decodes must round-trip.
#include "chain/abicodec.h"
#include "chain/rlp.h"
#include "chain/transaction.h"

#include <QByteArray>

#include <cstdint>
#include <cstdlib>

using namespace berth::chain;

namespace {

// Return types taken from contracts/artifacts (canonical form).
const char *const TypeLists[] = {
    // Registry.getListing
    "(((string,string[],(string,string)[],(uint64,uint64,uint64,uint64),bytes32),uint64,uint64))",
    // Market.order
    "((address,uint64,uint8,uint256,bytes32,(bytes32,bytes32,(uint64,uint64,uint64,uint64),"
    "address,uint256,uint64,uint64,uint256,uint256,string)))",
    // Market.bidsOfOrder
    "(uint256[],(uint256,address,uint64,uint64,uint8,uint256)[],uint256)",
    // Escrow.channel
    "((address,uint64,address,uint64,address,uint64,uint8,bytes32,uint256,uint256,uint256,"
    "uint256))",
    "(string[],bytes)",
    // The remaining checks: signed ints, bytesN padding, bool, nested and fixed arrays.
    "(int8,int256,bytes3,bool,address,uint256[2][],string[2],(bytes,uint16)[])",
};
constexpr int TypeListCount = int(sizeof(TypeLists) / sizeof(TypeLists[0]));

const QList<QList<AbiType>> &typeLists()
{
    static const QList<QList<AbiType>> lists = [] {
        QList<QList<AbiType>> out;
        for (const char *text : TypeLists) {
            auto tuple = AbiType::parse(QString::fromLatin1(text));
            if (!tuple)
                std::abort();
            out.append(tuple->components());
        }
        return out;
    }();
    return lists;
}

void fuzzAbi(const QList<AbiType> &types, QByteArrayView data)
{
    auto values = abiDecode(types, data);
    if (!values)
        return;
    auto encoded = abiEncode(types, *values);
    if (!encoded)
        std::abort(); // whatever decodes must encode
    auto again = abiDecode(types, *encoded);
    if (!again || !(again.value() == values.value()))
        std::abort(); // a lossy round trip is a bug
    auto reencoded = abiEncode(types, *again);
    if (!reencoded || reencoded.value() != encoded.value())
        std::abort(); // the canonical encoding is a fixed point
}

void fuzzRlp(QByteArrayView data)
{
    auto item = rlpDecode(data);
    // Decoding is strict and canonical, so re-encoding gives the input back.
    if (item && rlpEncode(*item) != data)
        std::abort();
}

void fuzzTransaction(QByteArrayView data)
{
    berth::crypto::Signature sig;
    auto tx = Eip1559Transaction::decodeSigned(data, &sig);
    if (tx && tx->encodeSigned(sig) != data)
        std::abort();
    (void)sig.recoverSigner(tx ? tx->signingHash() : QByteArray(32, '\0'));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    const QByteArrayView rest(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));
    const int choice = data[0] % (TypeListCount + 2);
    if (choice < TypeListCount)
        fuzzAbi(typeLists()[choice], rest);
    else if (choice == TypeListCount)
        fuzzRlp(rest);
    else
        fuzzTransaction(rest);
    return 0;
}
