#pragma once

#include "core/result.h"

#include <QJsonObject>
#include <QList>
#include <QString>

namespace berth::chain {

// A Solidity ABI type (Solidity ABI specification, "Types"), with the parameter
// name and indexed flag it carries in a JSON ABI.
class AbiType
{
public:
    enum class Kind
    {
        Uint, // uint<bits>
        Int,  // int<bits>
        Address,
        Bool,
        FixedBytes, // bytes<size>, 1..32
        Bytes,      // dynamic bytes
        String,
        Array,      // T[]
        FixedArray, // T[size]
        Tuple,      // (T1,...,Tn)
    };

    // Limits that keep hostile or absurd types from exhausting memory or stack.
    static constexpr int MaxNesting = 32;
    static constexpr qint64 MaxFixedArraySize = 1 << 20;
    static constexpr qint64 MaxStaticSize = qint64(1) << 26; // bytes of one static value

    AbiType() = default; // uint256

    static AbiType unsignedInt(int bits = 256);
    static AbiType signedInt(int bits = 256);
    static AbiType address();
    static AbiType boolean();
    static AbiType fixedBytes(int size);
    static AbiType bytes();
    static AbiType string();
    static AbiType array(const AbiType &element);
    static AbiType fixedArray(const AbiType &element, int size);
    static AbiType tuple(QList<AbiType> components);

    // A canonical type string as in signatures: "uint256", "(address,bytes32)[]",
    // "bytes3[2]". "uint" and "int" are taken as uint256 and int256.
    static Result<AbiType> parse(QStringView text);
    // A JSON ABI parameter: {"type": "tuple[]", "components": [...], "name", "indexed"}.
    static Result<AbiType> fromJson(const QJsonObject &parameter);

    Kind kind() const { return m_kind; }
    int bits() const { return m_size; } // Uint, Int
    int size() const { return m_size; } // FixedBytes (bytes), FixedArray (elements)
    const AbiType &element() const;     // Array, FixedArray
    const QList<AbiType> &components() const { return m_components; } // Tuple
    QString name() const { return m_name; }
    bool indexed() const { return m_indexed; }
    void setName(const QString &name) { m_name = name; }
    void setIndexed(bool indexed) { m_indexed = indexed; }

    // The canonical form used in signatures: "(address,uint64)[]".
    QString canonical() const;
    // Dynamic types are encoded out of line, behind an offset.
    bool isDynamic() const;
    // Bytes this type takes in the head of an enclosing tuple: 32 for dynamic
    // types, the full encoding for static ones.
    qint64 headSize() const;

    // Same type (names and indexed flags ignored).
    friend bool operator==(const AbiType &a, const AbiType &b);

private:
    Kind m_kind = Kind::Uint;
    int m_size = 256;
    QList<AbiType> m_components; // the element for arrays, the components for tuples
    QString m_name;
    bool m_indexed = false;
};

// "uint256,address" for a parameter list.
QString canonicalList(const QList<AbiType> &types);

} // namespace berth::chain
