// Signatures and selectors of the JSON ABI entries (abifunction.h, abievent.h,
// abierror.h): one rule, one file.
#include "chain/abierror.h"
#include "chain/abievent.h"
#include "chain/abifunction.h"
#include "crypto/keccak.h"

using namespace Qt::StringLiterals;

namespace berth::chain {

namespace {

QString signatureOf(const QString &name, const QList<AbiType> &inputs)
{
    return name + u"("_s + canonicalList(inputs) + u")"_s;
}

QByteArray hashOf(const QString &signature)
{
    return crypto::keccak256(signature.toUtf8());
}

} // namespace

QString AbiFunction::signature() const
{
    return signatureOf(name, inputs);
}

QByteArray AbiFunction::selector() const
{
    return hashOf(signature()).left(4);
}

bool AbiFunction::isReadOnly() const
{
    return stateMutability == u"view" || stateMutability == u"pure";
}

QString AbiEvent::signature() const
{
    return signatureOf(name, inputs);
}

QByteArray AbiEvent::topic0() const
{
    return hashOf(signature());
}

QString AbiError::signature() const
{
    return signatureOf(name, inputs);
}

QByteArray AbiError::selector() const
{
    return hashOf(signature()).left(4);
}

} // namespace berth::chain
