#pragma once

#include "chain/abierror.h"
#include "chain/abievent.h"
#include "chain/abifunction.h"
#include "chain/abivalue.h"
#include "chain/decodedlog.h"
#include "core/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonArray>
#include <QList>
#include <QString>

#include <optional>

namespace berth::chain {

// A contract's JSON ABI (as in contracts/artifacts/*.json "abi"): its
// functions, events, custom errors and constructor, with the encoding and
// decoding a client needs to call it and read what it says.
class ContractAbi
{
public:
    // The "abi" array of a compiler's output.
    static Result<ContractAbi> fromJson(const QJsonArray &abi);
    // A JSON document holding either that array or an artifact object with an "abi" key.
    static Result<ContractAbi> fromJsonDocument(QByteArrayView json);

    const QList<AbiFunction> &functions() const { return m_functions; }
    const QList<AbiEvent> &events() const { return m_events; }
    const QList<AbiError> &errors() const { return m_errors; }
    // The constructor (name empty); a default one without inputs if the ABI has none.
    const AbiFunction &constructor() const { return m_constructor; }

    // By name, or by signature ("transfer(address,uint256)") for overloads.
    // NotFound suggests the closest name; an overloaded name lists the signatures.
    Result<AbiFunction> function(const QString &nameOrSignature) const;
    Result<AbiEvent> event(const QString &nameOrSignature) const;

    // selector || abi(args): calldata for eth_call or a transaction.
    Result<QByteArray> encodeCall(const QString &function, const QList<AbiValue> &args) const;
    // The return data of an eth_call.
    Result<QList<AbiValue>> decodeOutput(const QString &function, QByteArrayView data) const;
    // abi(args) for the constructor; the caller puts the bytecode in front.
    Result<QByteArray> encodeConstructor(const QList<AbiValue> &args) const;

    // A log of one of this contract's (non-anonymous) events.
    Result<DecodedLog> decodeLog(const QList<QByteArray> &topics, QByteArrayView data) const;

    // A human description of revert data: "NotProvider(caller: 0xAbC…)" for a
    // custom error of this contract, the reason of Error(string), "panic 0x11
    // (arithmetic overflow or underflow)" for Panic(uint256), "no reason given"
    // for empty data, "unknown error 0x12345678" otherwise.
    QString describeRevert(QByteArrayView revertData) const;

private:
    QList<AbiFunction> m_functions;
    QList<AbiEvent> m_events;
    QList<AbiError> m_errors;
    AbiFunction m_constructor{{}, {}, {}, QStringLiteral("nonpayable")};
};

} // namespace berth::chain
