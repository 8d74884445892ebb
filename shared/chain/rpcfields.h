#pragma once

#include "core/result.h"
#include "core/uint256.h"
#include "crypto/address.h"

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <optional>

// Strict readers for the fields of Ethereum JSON-RPC answers. A malformed field
// is a BadResponse that names the field (e.g. "receipt.gasUsed").
namespace berth::chain::rpcfields {

Error malformed(const QString &field, const QString &why);

// "0x" + hexadecimal digits (a JSON-RPC QUANTITY), up to 256 bits.
Result<UInt256> quantity(const QJsonValue &value, const QString &field);
Result<quint64> quantity64(const QJsonValue &value, const QString &field);
// "0x" + an even number of hexadecimal digits (a JSON-RPC DATA).
Result<QByteArray> data(const QJsonValue &value, const QString &field);
// DATA of exactly `size` bytes (32 for hashes and topics).
Result<QByteArray> fixedData(const QJsonValue &value, const QString &field, qsizetype size);
Result<crypto::Address> address(const QJsonValue &value, const QString &field);
// null or absent → nullopt; anything else must be a valid address.
Result<std::optional<crypto::Address>> optionalAddress(const QJsonValue &value,
                                                       const QString &field);

// "0x" + lowercase hex of the bytes (DATA as sent to a node).
QString toData(QByteArrayView bytes);

} // namespace berth::chain::rpcfields
