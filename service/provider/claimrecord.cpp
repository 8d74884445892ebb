#include "provider/claimrecord.h"

using namespace Qt::StringLiterals;

namespace berth::provider {

QString claimStateName(ClaimState state)
{
    switch (state) {
    case ClaimState::Pending:
        return u"pending"_s;
    case ClaimState::Sent:
        return u"sent"_s;
    case ClaimState::Confirmed:
        return u"confirmed"_s;
    case ClaimState::Failed:
        return u"failed"_s;
    }
    return QString();
}

std::optional<ClaimState> claimStateFromName(const QString &name)
{
    for (auto state :
         {ClaimState::Pending, ClaimState::Sent, ClaimState::Confirmed, ClaimState::Failed}) {
        if (claimStateName(state) == name)
            return state;
    }
    return std::nullopt;
}

bool isClaimTransitionAllowed(ClaimState from, ClaimState to)
{
    switch (from) {
    case ClaimState::Pending:
        return to == ClaimState::Sent || to == ClaimState::Failed;
    case ClaimState::Sent:
        return to == ClaimState::Confirmed || to == ClaimState::Failed;
    case ClaimState::Confirmed:
    case ClaimState::Failed:
        return false;
    }
    return false;
}

} // namespace berth::provider
