#pragma once

#include "chain/abitype.h"
#include "chain/abivalue.h"
#include "core/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace berth::chain {

// Encodes values as the tuple (types...) per the Solidity ABI specification.
// Values must match their types: integers in range, bytesN of exactly N bytes,
// lists of the right length. Errors name the parameter (index, name, path).
Result<QByteArray> abiEncode(const QList<AbiType> &types, const QList<AbiValue> &values);

// Decodes data as the tuple (types...). The data may come from a hostile node:
// every offset and length is checked against the input, an array's length must
// fit in the bytes that remain, the decoded size is bounded by a multiple of the
// input size (overlapping offsets cannot blow it up), and out-of-range words
// (uint8 above 255, a bool other than 0/1, an address with high bytes, non-zero
// padding after bytesN, int<N> not sign-extended) are errors. Bytes after the
// encoding are ignored. Errors are BadResponse and name the parameter.
Result<QList<AbiValue>> abiDecode(const QList<AbiType> &types, QByteArrayView data);

} // namespace berth::chain
