#pragma once

#include "core/result.h"
#include "crypto/address.h"
#include "crypto/privatekey.h"
#include "crypto/signature.h"

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QMap>
#include <QString>

namespace berth::crypto {

// EIP-712 typed structured data: what Berth signs for quotes and bids, in the
// eth_signTypedData_v4 JSON shape so that wallets and contracts agree on it:
//   {"types": {"EIP712Domain": [...], "T": [{"name": ..., "type": ...}, ...]},
//    "primaryType": "T", "domain": {...}, "message": {...}}
//
// Values: uintN/intN as JSON numbers (integers up to 2^53 - 1 only, so that
// every JSON reader sees the same value) or decimal / 0x-hex strings (a leading
// "-" for intN); address as hex (mixed case must be a valid EIP-55 checksum);
// bool; bytesN and bytes as 0x hex; string; T[] and T[k] as JSON arrays;
// structs as JSON objects. Every field must be present and no other key may be:
// a signer must not be shown data it does not sign.
class TypedData
{
public:
    struct Field
    {
        QString name;
        QString type;
    };

    // Parses and validates the whole document: struct definitions (known types,
    // unique field names, no recursion), primaryType, and every value of the
    // domain and the message. Errors name the offending path, e.g.
    // "message.to.wallets[1]: ...". Without an EIP712Domain type, it is derived
    // from the domain's keys in EIP-712's order (name, version, chainId,
    // verifyingContract, salt), as viem and ethers do.
    static Result<TypedData> fromJson(const QJsonObject &json);

    // The usual domain object {name, version, chainId, verifyingContract}.
    static QJsonObject domainJson(const QString &name, const QString &version, quint64 chainId,
                                  const Address &verifyingContract);

    QString primaryType() const { return m_primaryType; }
    QJsonObject domain() const { return m_domain; }
    QJsonObject message() const { return m_message; }
    QList<Field> fields(const QString &type) const { return m_types.value(type); }
    // The document as eth_signTypedData_v4 takes it (EIP712Domain included).
    QJsonObject toJson() const;

    // "Mail(Person from,Person to,string contents)Person(string name,address wallet)":
    // the type first, then every struct it references, sorted by name. Empty for
    // an unknown type.
    QString encodeType(const QString &type) const;
    // keccak256 of encodeType(type).
    QByteArray typeHash(const QString &type) const;
    // keccak256(typeHash || encodeData(value)). Error paths start at `path`
    // ("message" gives "message.to.name: ..."; empty gives "to.name: ...").
    Result<QByteArray> hashStruct(const QString &type, const QJsonObject &value,
                                  const QString &path = QString()) const;
    // hashStruct of the domain as EIP712Domain.
    Result<QByteArray> domainSeparator() const;
    // keccak256(0x19 0x01 || domainSeparator || hashStruct(primaryType, message));
    // the message part is left out when primaryType is EIP712Domain itself.
    Result<QByteArray> digest() const;

    Result<Signature> sign(const PrivateKey &key) const;
    // The account that signed this data; signature65 is r || s || v.
    Result<Address> recoverSigner(QByteArrayView signature65) const;

private:
    TypedData() = default;

    Result<QByteArray> encodeValue(const QString &type, const QJsonValue &value,
                                   const QString &path) const;
    void collectReferencedTypes(const QString &type, QStringList &found) const;

    QMap<QString, QList<Field>> m_types;
    QMap<QString, QByteArray> m_typeHashes;
    QString m_primaryType;
    QJsonObject m_domain;
    QJsonObject m_message;
};

} // namespace berth::crypto
