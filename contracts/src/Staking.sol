// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Escrow} from "./Escrow.sol";

/// @title Staking — provider stakes, bonded liveness challenges and slashing
/// @notice A provider locks a stake in this deployment's token. A publisher whose Escrow
///         channel with that provider is live (and paid in the same token) may open a
///         bonded liveness challenge; the provider must `respond` on-chain within the
///         challenge window, which earns it the bond. Otherwise anyone may `slash` after
///         the window: the publisher gets its bond back plus
///         compensation = min(slashable stake, accrued during the challenge + slashPenalty),
///         and the channel is terminated in the Escrow (accrual stops; the unaccrued
///         deposit goes back to the publisher through Escrow.settle as usual).
/// @dev Stake that is unbonding stays slashable until it is withdrawn, and nothing can
///      be withdrawn while the provider has an open challenge. All parameters are
///      immutable. Fee-on-transfer and rebasing tokens are not supported.
contract Staking is ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Lifecycle of a challenge.
    enum ChallengeStatus {
        None,
        Open,
        Answered,
        Slashed
    }

    /// @notice A liveness challenge.
    /// @param channelId The Escrow channel it is about.
    /// @param publisher The channel's publisher, who opened the challenge and paid the bond.
    /// @param provider The channel's provider, who must respond.
    /// @param openedAt Timestamp of the challenge.
    /// @param deadline Last timestamp (inclusive) at which the provider may respond.
    /// @param status Open, Answered or Slashed.
    /// @param bond The bond paid by the publisher.
    /// @param accruedAtOpen Escrow.accrued(channelId) when the challenge was opened.
    struct Challenge {
        bytes32 channelId;
        address publisher;
        uint64 openedAt;
        address provider;
        uint64 deadline;
        ChallengeStatus status;
        uint256 bond;
        uint256 accruedAtOpen;
    }

    /// @notice A provider's stake.
    /// @param active Staked and not asked back.
    /// @param unbonding Asked back with requestUnstake, withdrawable from `readyAt`; still slashable.
    /// @param readyAt Timestamp from which `unbonding` may be withdrawn (0 when nothing unbonds).
    struct Stake {
        uint256 active;
        uint256 unbonding;
        uint64 readyAt;
    }

    /// @notice Longest accepted unbonding delay, challenge window and challenge interval
    ///         (keeps timestamp + duration far from uint64 overflow).
    uint64 public constant MAX_DURATION = 3650 days;

    /// @notice The token stakes, bonds and compensation are paid in.
    IERC20 public immutable token;
    /// @notice The Escrow whose channels may be challenged (it must name this contract as its staking hook).
    Escrow public immutable escrow;
    /// @notice Seconds between requestUnstake and the earliest withdraw.
    uint64 public immutable unbondingDelay;
    /// @notice Seconds the provider has to respond to a challenge (deadline = openedAt + window).
    uint64 public immutable challengeWindow;
    /// @notice Minimum seconds between the openings of two challenges on the same channel.
    uint64 public immutable minChallengeInterval;
    /// @notice Token base units a publisher escrows to open a challenge (> 0).
    uint256 public immutable challengeBond;
    /// @notice Fixed part of the compensation on a slash, in token base units.
    uint256 public immutable slashPenalty;

    mapping(address provider => Stake) private _stakes;
    mapping(uint256 challengeId => Challenge) private _challenges;

    /// @notice Number of challenges against `provider` that are Open (neither answered nor slashed).
    mapping(address provider => uint256) public openChallenges;
    /// @notice The Open challenge on a channel (0 when none).
    mapping(bytes32 channelId => uint256) public openChallengeOf;
    /// @notice When the latest challenge on a channel was opened (0 when never).
    mapping(bytes32 channelId => uint64) public lastChallengeAt;
    /// @notice Number of challenges ever opened; challenge ids are 1..challengeCount.
    uint256 public challengeCount;

    event Staked(address indexed provider, uint256 amount, uint256 active);
    event UnstakeRequested(address indexed provider, uint256 amount, uint256 unbonding, uint64 readyAt);
    event Withdrawn(address indexed provider, uint256 amount);
    event ChallengeOpened(
        uint256 indexed challengeId,
        bytes32 indexed channelId,
        address indexed provider,
        address publisher,
        uint256 bond,
        uint64 deadline,
        uint256 accruedAtOpen
    );
    event ChallengeAnswered(
        uint256 indexed challengeId, bytes32 indexed channelId, address indexed provider, uint256 bond
    );
    event Slashed(
        uint256 indexed challengeId,
        bytes32 indexed channelId,
        address indexed provider,
        address publisher,
        uint256 compensation,
        uint256 bondReturned,
        bool channelTerminated
    );

    error ZeroAddress();
    error ZeroAmount();
    error ZeroWindow();
    error DurationTooLong(uint64 duration);
    error InsufficientStake(uint256 active, uint256 requested);
    error NothingUnbonding();
    error StillUnbonding(uint64 readyAt);
    error OpenChallenges(uint256 count);
    error NotHooked(address escrowStaking);
    error ChannelNotLive(bytes32 channelId);
    error NotChannelPublisher(address caller);
    error TokenMismatch(address channelToken);
    error ChallengePending(bytes32 channelId, uint256 challengeId);
    error ChallengeTooSoon(bytes32 channelId, uint64 earliest);
    error UnknownChallenge(uint256 challengeId);
    error ChallengeClosed(uint256 challengeId, ChallengeStatus status);
    error NotChallengedProvider(address caller);
    error WindowOver(uint256 challengeId, uint64 deadline);
    error WindowNotOver(uint256 challengeId, uint64 deadline);

    /// @notice Deploys a Staking for one token and one Escrow; all parameters are immutable.
    /// @param token_ The stake, bond and compensation token (non-zero).
    /// @param escrow_ The Escrow (non-zero); its deployer must then call escrow.setStaking(this).
    /// @param unbondingDelay_ Seconds from requestUnstake to withdraw (≤ MAX_DURATION).
    /// @param challengeWindow_ Seconds the provider has to respond (non-zero, ≤ MAX_DURATION).
    /// @param challengeBond_ The bond per challenge (non-zero).
    /// @param minChallengeInterval_ Minimum seconds between two challenges on one channel (≤ MAX_DURATION).
    /// @param slashPenalty_ Fixed part of the compensation on a slash.
    constructor(
        IERC20 token_,
        Escrow escrow_,
        uint64 unbondingDelay_,
        uint64 challengeWindow_,
        uint256 challengeBond_,
        uint64 minChallengeInterval_,
        uint256 slashPenalty_
    ) {
        if (address(token_) == address(0) || address(escrow_) == address(0)) revert ZeroAddress();
        if (challengeWindow_ == 0) revert ZeroWindow();
        if (unbondingDelay_ > MAX_DURATION) revert DurationTooLong(unbondingDelay_);
        if (challengeWindow_ > MAX_DURATION) revert DurationTooLong(challengeWindow_);
        if (minChallengeInterval_ > MAX_DURATION) revert DurationTooLong(minChallengeInterval_);
        if (challengeBond_ == 0) revert ZeroAmount();
        token = token_;
        escrow = escrow_;
        unbondingDelay = unbondingDelay_;
        challengeWindow = challengeWindow_;
        challengeBond = challengeBond_;
        minChallengeInterval = minChallengeInterval_;
        slashPenalty = slashPenalty_;
    }

    // ------------------------------------------------------------- provider

    /// @notice Adds `amount` to the caller's active stake, pulled from the caller (approve it first).
    /// @param amount Token base units (non-zero).
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Stake storage s = _stakes[msg.sender];
        s.active += amount;
        emit Staked(msg.sender, amount, s.active);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Moves `amount` of the caller's active stake to unbonding; it becomes
    ///         withdrawable `unbondingDelay` seconds from now.
    /// @dev Unbonding stake stays slashable until withdrawn. A new request adds to what
    ///      is already unbonding and restarts the delay for the whole unbonding amount.
    /// @param amount Token base units (non-zero, at most the active stake).
    function requestUnstake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Stake storage s = _stakes[msg.sender];
        if (amount > s.active) revert InsufficientStake(s.active, amount);
        s.active -= amount;
        s.unbonding += amount;
        s.readyAt = uint64(block.timestamp) + unbondingDelay;
        emit UnstakeRequested(msg.sender, amount, s.unbonding, s.readyAt);
    }

    /// @notice Transfers the caller's whole unbonding amount to the caller.
    /// @dev Only from `readyAt` on, and only while the caller has no open challenge.
    /// @return amount The base units transferred.
    function withdraw() external nonReentrant returns (uint256 amount) {
        Stake storage s = _stakes[msg.sender];
        amount = s.unbonding;
        if (amount == 0) revert NothingUnbonding();
        if (block.timestamp < s.readyAt) revert StillUnbonding(s.readyAt);
        uint256 open = openChallenges[msg.sender];
        if (open != 0) revert OpenChallenges(open);
        s.unbonding = 0;
        s.readyAt = 0;
        emit Withdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @notice Answers an open challenge against the caller within its window; the
    ///         publisher's bond goes to the caller.
    /// @param challengeId The challenge.
    function respond(uint256 challengeId) external nonReentrant {
        Challenge storage ch = _openChallenge(challengeId);
        if (msg.sender != ch.provider) revert NotChallengedProvider(msg.sender);
        if (block.timestamp > ch.deadline) revert WindowOver(challengeId, ch.deadline);
        ch.status = ChallengeStatus.Answered;
        _close(ch);
        emit ChallengeAnswered(challengeId, ch.channelId, ch.provider, ch.bond);
        token.safeTransfer(ch.provider, ch.bond);
    }

    // ------------------------------------------------------------ publisher

    /// @notice Opens a bonded liveness challenge on the caller's live channel; pulls
    ///         `challengeBond` from the caller (approve it first).
    /// @dev The channel must be Open and not stopped (stopAt unset or in the future),
    ///      paid in this contract's token, with the caller as its publisher. At most
    ///      one open challenge per channel, and openings on one channel are at least
    ///      `minChallengeInterval` apart. The Escrow must name this contract as its
    ///      staking hook, so that a slash can terminate the channel.
    /// @param channelId The Escrow channel.
    /// @return challengeId The new challenge's id.
    function challenge(bytes32 channelId) external nonReentrant returns (uint256 challengeId) {
        address hook = escrow.staking();
        if (hook != address(this)) revert NotHooked(hook);
        Escrow.Channel memory c = escrow.channel(channelId);
        if (c.status != Escrow.Status.Open || (c.stopAt != 0 && c.stopAt <= block.timestamp)) {
            revert ChannelNotLive(channelId);
        }
        if (c.publisher != msg.sender) revert NotChannelPublisher(msg.sender);
        if (c.token != address(token)) revert TokenMismatch(c.token);
        uint256 pending = openChallengeOf[channelId];
        if (pending != 0) revert ChallengePending(channelId, pending);
        uint64 last = lastChallengeAt[channelId];
        if (last != 0 && block.timestamp < uint256(last) + minChallengeInterval) {
            revert ChallengeTooSoon(channelId, last + minChallengeInterval);
        }

        uint64 nowTs = uint64(block.timestamp);
        uint256 accruedAtOpen = escrow.accrued(channelId);
        challengeId = ++challengeCount;
        _challenges[challengeId] = Challenge({
            channelId: channelId,
            publisher: msg.sender,
            openedAt: nowTs,
            provider: c.provider,
            deadline: nowTs + challengeWindow,
            status: ChallengeStatus.Open,
            bond: challengeBond,
            accruedAtOpen: accruedAtOpen
        });
        openChallengeOf[channelId] = challengeId;
        lastChallengeAt[channelId] = nowTs;
        openChallenges[c.provider] += 1;
        emit ChallengeOpened(
            challengeId, channelId, c.provider, msg.sender, challengeBond, nowTs + challengeWindow, accruedAtOpen
        );
        token.safeTransferFrom(msg.sender, address(this), challengeBond);
    }

    // --------------------------------------------------------------- anyone

    /// @notice After an unanswered challenge's window: slashes the provider, repays the
    ///         publisher (bond + compensation) and terminates the channel in the Escrow.
    /// @dev compensation = min(active + unbonding stake, accrued since the challenge
    ///      opened + slashPenalty); taken from the active stake first, then from the
    ///      unbonding stake. Anyone may call it; the recipient is the challenge's publisher.
    /// @param challengeId The challenge.
    /// @return compensation The stake paid to the publisher (on top of its bond).
    function slash(uint256 challengeId) external nonReentrant returns (uint256 compensation) {
        Challenge storage ch = _openChallenge(challengeId);
        if (block.timestamp <= ch.deadline) revert WindowNotOver(challengeId, ch.deadline);

        compensation = compensationOf(challengeId);
        Stake storage s = _stakes[ch.provider];
        uint256 fromActive = compensation < s.active ? compensation : s.active;
        s.active -= fromActive;
        s.unbonding -= compensation - fromActive;
        if (s.unbonding == 0) s.readyAt = 0;
        ch.status = ChallengeStatus.Slashed;
        _close(ch);

        // Trusted call: the Escrow is immutable and never calls back; it returns false
        // (and does nothing) when the channel had already stopped or been settled.
        bool terminated = escrow.terminateBySlash(ch.channelId);
        emit Slashed(challengeId, ch.channelId, ch.provider, ch.publisher, compensation, ch.bond, terminated);
        token.safeTransfer(ch.publisher, ch.bond + compensation);
    }

    // ---------------------------------------------------------------- views

    /// @notice A provider's stake.
    /// @param provider The provider.
    /// @return The active stake, the unbonding amount and when it becomes withdrawable.
    function stakeOf(address provider) external view returns (Stake memory) {
        return _stakes[provider];
    }

    /// @notice What a slash can take from `provider`: active plus unbonding stake.
    /// @param provider The provider.
    /// @return The slashable amount in base units.
    function slashableOf(address provider) public view returns (uint256) {
        Stake storage s = _stakes[provider];
        return s.active + s.unbonding;
    }

    /// @notice A challenge (all zero for an unknown id).
    /// @param challengeId The challenge.
    /// @return The stored challenge.
    function challengeOf(uint256 challengeId) external view returns (Challenge memory) {
        return _challenges[challengeId];
    }

    /// @notice The compensation a slash of `challengeId` would pay now (0 unless Open).
    /// @dev min(slashableOf(provider), max(0, escrow.accrued(channel) − accruedAtOpen) + slashPenalty).
    /// @param challengeId The challenge.
    /// @return The compensation in base units.
    function compensationOf(uint256 challengeId) public view returns (uint256) {
        Challenge storage ch = _challenges[challengeId];
        if (ch.status != ChallengeStatus.Open) return 0;
        uint256 accruedNow = escrow.accrued(ch.channelId);
        // Saturating: a channel settled and reopened under the same id restarts its accrual.
        uint256 lost = accruedNow > ch.accruedAtOpen ? accruedNow - ch.accruedAtOpen : 0;
        uint256 owed = lost + slashPenalty;
        uint256 available = slashableOf(ch.provider);
        return owed < available ? owed : available;
    }

    // ------------------------------------------------------------- internal

    function _openChallenge(uint256 challengeId) private view returns (Challenge storage ch) {
        ch = _challenges[challengeId];
        if (ch.status == ChallengeStatus.None) revert UnknownChallenge(challengeId);
        if (ch.status != ChallengeStatus.Open) revert ChallengeClosed(challengeId, ch.status);
    }

    function _close(Challenge storage ch) private {
        openChallengeOf[ch.channelId] = 0;
        openChallenges[ch.provider] -= 1;
    }
}
