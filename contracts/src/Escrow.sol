// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// @title Escrow — pay-as-you-go payment channels between a publisher and a provider
/// @notice One channel per (publisher, provider, deploymentId). The publisher opens it
///         with a quote the provider signed (EIP-712), so both sides agreed on the rate;
///         or the Market contract opens it for a bid the publisher accepted (the provider
///         sent the bid itself, which is its consent).
///         The contract, not the provider's meter, bounds what the provider can take:
///         accrued = min(deposit, rate × time served / 1e18), rounded down.
/// @dev State machine per channel: None → Open → (stopAt set: closing) → Settled.
///      A Settled channel id may be opened again with a fresh quote (its previous
///      state is fully paid out and reset). Fee-on-transfer and rebasing tokens are
///      not supported: the contract credits the amounts it asked to transfer.
contract Escrow is EIP712, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice A provider's offer, signed by the provider with EIP-712.
    /// @param publisher The only account that may open (or re-rate) a channel with it.
    /// @param deploymentId The publisher's deployment this quote prices.
    /// @param token The ERC-20 the channel is paid in.
    /// @param ratePerSecond Token base units per second, scaled by 1e18.
    /// @param noticePeriod Seconds the publisher pays after asking to close.
    /// @param validUntil Last timestamp (inclusive) at which the quote may be used.
    /// @param nonce Single use per provider.
    struct Quote {
        address publisher;
        bytes32 deploymentId;
        address token;
        uint256 ratePerSecond;
        uint64 noticePeriod;
        uint64 validUntil;
        uint256 nonce;
    }

    /// @notice Lifecycle of a channel id.
    enum Status {
        None,
        Open,
        Settled
    }

    /// @notice A channel's stored state.
    /// @dev accrued(now) = min(deposit, accruedBefore + rate × (min(now, stopAt) − start) / 1e18).
    ///      `start` restarts (with the accrual so far moved into `accruedBefore`) on
    ///      topUp and changeRate. stopAt == 0 means no stop has been requested.
    struct Channel {
        address publisher;
        uint64 start;
        address provider;
        uint64 stopAt;
        address token;
        uint64 noticePeriod;
        Status status;
        bytes32 deploymentId;
        uint256 rate;
        uint256 deposit;
        uint256 accruedBefore;
        uint256 claimed;
    }

    /// @notice The EIP-712 type hash of {Quote}.
    bytes32 public constant QUOTE_TYPEHASH = keccak256(
        "Quote(address publisher,bytes32 deploymentId,address token,uint256 ratePerSecond,uint64 noticePeriod,uint64 validUntil,uint256 nonce)"
    );

    /// @notice Largest accepted rate (keeps rate × elapsed far from overflow).
    uint256 public constant MAX_RATE = type(uint128).max;

    /// @notice Longest accepted notice period.
    uint64 public constant MAX_NOTICE_PERIOD = 365 days;

    uint256 private constant SCALE = 1e18;

    /// @notice The account that deployed the contract; it may set `staking` once.
    address public immutable deployer;

    /// @notice The Staking contract allowed to call terminateBySlash (zero until set).
    address public staking;

    /// @notice The Market contract allowed to call openFromMarket (zero until set).
    address public market;

    mapping(bytes32 channelId => Channel) private _channels;

    /// @notice Whether `nonce` of `provider` has been used by open or changeRate.
    mapping(address provider => mapping(uint256 nonce => bool)) public usedNonce;

    /// @notice Whether `delegate` may top up and request closing `publisher`'s channels.
    mapping(address publisher => mapping(address delegate => bool)) public isDelegate;

    event ChannelOpened(
        bytes32 indexed channelId,
        address indexed publisher,
        address indexed provider,
        bytes32 deploymentId,
        address token,
        uint256 ratePerSecond,
        uint64 noticePeriod,
        uint256 nonce,
        uint256 deposit
    );
    event Claimed(bytes32 indexed channelId, address indexed provider, uint256 amount, uint256 totalClaimed);
    event ToppedUp(bytes32 indexed channelId, address indexed payer, uint256 amount, uint256 deposit);
    event CloseRequested(bytes32 indexed channelId, address indexed by, uint64 stopAt);
    event Terminated(bytes32 indexed channelId, address indexed by, uint64 stopAt);
    event Refunded(bytes32 indexed channelId, address indexed provider, uint256 amount);
    event Settled(bytes32 indexed channelId, uint256 paidToProvider, uint256 refundedToPublisher);
    event RateChanged(
        bytes32 indexed channelId,
        uint256 oldRate,
        uint256 newRate,
        uint64 noticePeriod,
        uint256 nonce,
        uint256 accruedBefore
    );
    event DelegateSet(address indexed publisher, address indexed delegate, bool allowed);
    event StakingSet(address indexed staking);
    event MarketSet(address indexed market);
    event NonceInvalidated(address indexed provider, uint256 nonce);

    error InvalidSignature();
    error QuoteExpired(uint64 validUntil, uint256 nowTs);
    error NonceUsed(address provider, uint256 nonce);
    error NotPublisher(address caller);
    error NotPublisherOrDelegate(address caller);
    error NotProvider(address caller);
    error NotStaking(address caller);
    error NotDeployer(address caller);
    error StakingAlreadySet(address staking);
    error NotMarket(address caller);
    error MarketAlreadySet(address market);
    error ZeroAddress();
    error ZeroAmount();
    error RateTooHigh(uint256 rate);
    error NoticePeriodTooLong(uint64 noticePeriod);
    error ChannelExists(bytes32 channelId);
    error UnknownChannel(bytes32 channelId);
    error ChannelSettled(bytes32 channelId);
    error ChannelStopping(bytes32 channelId, uint64 stopAt);
    error AlreadyStopped(bytes32 channelId, uint64 stopAt);
    error NotStopped(bytes32 channelId, uint64 stopAt);
    error NothingToClaim(bytes32 channelId);
    error QuoteMismatch();

    constructor() EIP712("Berth Escrow", "1") {
        deployer = msg.sender;
    }

    // ---------------------------------------------------------------- admin

    /// @notice Sets, once, the Staking contract that may terminate channels on a slash.
    /// @dev Only the deployer, only once (the two contracts reference each other, so
    ///      one of them cannot take the other as a constructor argument).
    /// @param staking_ The Staking contract's address (non-zero).
    function setStaking(address staking_) external {
        if (msg.sender != deployer) revert NotDeployer(msg.sender);
        if (staking != address(0)) revert StakingAlreadySet(staking);
        if (staking_ == address(0)) revert ZeroAddress();
        staking = staking_;
        emit StakingSet(staking_);
    }

    /// @notice Sets, once, the Market contract that may open channels for accepted bids.
    /// @dev Only the deployer, only once (Market takes this contract as a constructor
    ///      argument, so this contract learns Market's address afterwards).
    /// @param market_ The Market contract's address (non-zero).
    function setMarket(address market_) external {
        if (msg.sender != deployer) revert NotDeployer(msg.sender);
        if (market != address(0)) revert MarketAlreadySet(market);
        if (market_ == address(0)) revert ZeroAddress();
        market = market_;
        emit MarketSet(market_);
    }

    // ------------------------------------------------------------ publisher

    /// @notice Authorizes (or revokes) `delegate` to top up and request closing every
    ///         channel of the caller (e.g. an autoscaler's key).
    /// @param delegate The account to authorize or revoke (non-zero).
    /// @param allowed True to authorize, false to revoke.
    function setDelegate(address delegate, bool allowed) external nonReentrant {
        if (delegate == address(0)) revert ZeroAddress();
        isDelegate[msg.sender][delegate] = allowed;
        emit DelegateSet(msg.sender, delegate, allowed);
    }

    /// @notice Opens the channel (caller, provider, quote.deploymentId) with the provider's
    ///         signed quote and pulls `deposit` from the caller (approve it first).
    /// @dev The caller must be quote.publisher, so nobody can front-run the open with
    ///      someone else's quote. A Settled channel id may be opened again.
    /// @param quote The provider's quote.
    /// @param provider The quote's signer; it becomes the channel's provider.
    /// @param signature The provider's EIP-712 signature of `quote` (65-byte ECDSA, or
    ///        ERC-1271 when the provider is a contract).
    /// @param deposit Token base units to escrow (non-zero).
    /// @return channelId keccak256(abi.encode(publisher, provider, deploymentId)).
    function open(Quote calldata quote, address provider, bytes calldata signature, uint256 deposit)
        external
        nonReentrant
        returns (bytes32 channelId)
    {
        if (msg.sender != quote.publisher) revert NotPublisher(msg.sender);
        if (deposit == 0) revert ZeroAmount();
        _useQuote(quote, provider, signature);
        channelId = _openChannel(
            quote.publisher,
            provider,
            quote.deploymentId,
            quote.token,
            quote.ratePerSecond,
            quote.noticePeriod,
            quote.nonce,
            deposit
        );
    }

    /// @notice Hook for the Market contract: opens the channel (publisher, provider,
    ///         deploymentId) for an accepted bid and pulls `deposit` from the market.
    /// @dev Only `market`. The provider's consent is its bid, which it sent to the market
    ///      itself, so no signed quote is needed. Opens the channel exactly like `open`
    ///      (same state, same ChannelOpened event, with nonce 0: the OrderAccepted event
    ///      of the same transaction links the channel to its order and bid) and applies
    ///      the same limits on token, rate and notice period. The deposit is always
    ///      pulled from the caller (the market, which approves exactly `deposit` first),
    ///      never from `publisher`.
    /// @param publisher The order's publisher (non-zero).
    /// @param provider The accepted bid's provider (non-zero).
    /// @param deploymentId The order's deployment.
    /// @param token The order's ERC-20 (non-zero).
    /// @param ratePerSecond The bid's rate: base units per second, scaled by 1e18.
    /// @param noticePeriod The bid's notice period in seconds.
    /// @param deposit Token base units to escrow (non-zero), pulled from the market.
    /// @return channelId keccak256(abi.encode(publisher, provider, deploymentId)).
    function openFromMarket(
        address publisher,
        address provider,
        bytes32 deploymentId,
        address token,
        uint256 ratePerSecond,
        uint64 noticePeriod,
        uint256 deposit
    ) external nonReentrant returns (bytes32 channelId) {
        if (msg.sender != market || market == address(0)) revert NotMarket(msg.sender);
        if (deposit == 0) revert ZeroAmount();
        if (publisher == address(0) || provider == address(0)) revert ZeroAddress();
        _checkTerms(token, ratePerSecond, noticePeriod);
        channelId = _openChannel(publisher, provider, deploymentId, token, ratePerSecond, noticePeriod, 0, deposit);
    }

    /// @notice Adds `amount` to the channel's deposit, pulled from the caller.
    /// @dev Publisher or one of its delegates; only while no stop is requested. The
    ///      accrual so far is checkpointed first, so time during which the deposit was
    ///      exhausted is never paid retroactively.
    /// @param channelId The channel.
    /// @param amount Token base units (non-zero), paid by the caller.
    function topUp(bytes32 channelId, uint256 amount) external nonReentrant {
        Channel storage c = _open(channelId);
        _onlyPublisherOrDelegate(c);
        if (amount == 0) revert ZeroAmount();
        if (c.stopAt != 0) revert ChannelStopping(channelId, c.stopAt);

        _checkpoint(c);
        c.deposit += amount;
        emit ToppedUp(channelId, msg.sender, amount, c.deposit);
        IERC20(c.token).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Asks to close the channel: accrual stops at now + noticePeriod.
    /// @dev Publisher or one of its delegates; once per channel (a later request could
    ///      only move stopAt later, and a terminate only earlier).
    /// @param channelId The channel.
    function requestClose(bytes32 channelId) external nonReentrant {
        Channel storage c = _open(channelId);
        _onlyPublisherOrDelegate(c);
        if (c.stopAt != 0) revert ChannelStopping(channelId, c.stopAt);
        uint64 stopAt = uint64(block.timestamp) + c.noticePeriod;
        c.stopAt = stopAt;
        emit CloseRequested(channelId, msg.sender, stopAt);
    }

    /// @notice Re-rates the channel with a new quote signed by the channel's provider.
    /// @dev Publisher only; only while no stop is requested. The accrual at the old rate
    ///      is checkpointed first, then the new rate and notice period apply from now.
    ///      The quote must name the same publisher, deploymentId and token.
    /// @param channelId The channel.
    /// @param quote The provider's new quote.
    /// @param signature The provider's EIP-712 signature of `quote`.
    function changeRate(bytes32 channelId, Quote calldata quote, bytes calldata signature)
        external
        nonReentrant
    {
        Channel storage c = _open(channelId);
        if (msg.sender != c.publisher) revert NotPublisher(msg.sender);
        if (c.stopAt != 0) revert ChannelStopping(channelId, c.stopAt);
        if (quote.publisher != c.publisher || quote.deploymentId != c.deploymentId || quote.token != c.token) {
            revert QuoteMismatch();
        }
        _useQuote(quote, c.provider, signature);

        uint256 oldRate = c.rate;
        _checkpoint(c);
        c.rate = quote.ratePerSecond;
        c.noticePeriod = quote.noticePeriod;
        emit RateChanged(channelId, oldRate, quote.ratePerSecond, quote.noticePeriod, quote.nonce, c.accruedBefore);
    }

    // ------------------------------------------------------------- provider

    /// @notice Transfers everything accrued and not yet claimed to the provider.
    /// @dev Provider only. The total ever claimed never exceeds accrued, which never
    ///      exceeds the deposit.
    /// @param channelId The channel.
    /// @return amount The base units transferred.
    function claim(bytes32 channelId) external nonReentrant returns (uint256 amount) {
        Channel storage c = _open(channelId);
        if (msg.sender != c.provider) revert NotProvider(msg.sender);
        amount = _accrued(c) - c.claimed;
        if (amount == 0) revert NothingToClaim(channelId);
        c.claimed += amount;
        emit Claimed(channelId, c.provider, amount, c.claimed);
        IERC20(c.token).safeTransfer(c.provider, amount);
    }

    /// @notice Stops the channel now (the provider gives up the rest of any notice).
    /// @dev Provider only; reverts when the channel has already stopped.
    /// @param channelId The channel.
    function terminate(bytes32 channelId) external nonReentrant {
        Channel storage c = _open(channelId);
        if (msg.sender != c.provider) revert NotProvider(msg.sender);
        if (c.stopAt != 0 && c.stopAt <= block.timestamp) revert AlreadyStopped(channelId, c.stopAt);
        c.stopAt = uint64(block.timestamp);
        emit Terminated(channelId, msg.sender, c.stopAt);
    }

    /// @notice Ends the channel now and gives the publisher back everything the provider
    ///         has not claimed: for a deployment the provider could not run, so that
    ///         nothing is paid for what never ran. The channel becomes Settled.
    /// @dev Provider only; also during a notice period or after stopAt. What was claimed
    ///      before stays with the provider.
    /// @param channelId The channel.
    function refund(bytes32 channelId) external nonReentrant {
        Channel storage c = _open(channelId);
        if (msg.sender != c.provider) revert NotProvider(msg.sender);
        uint256 toPublisher = c.deposit - c.claimed;
        if (c.stopAt == 0 || c.stopAt > block.timestamp) c.stopAt = uint64(block.timestamp);
        c.accruedBefore = c.claimed;
        c.start = c.stopAt;
        c.status = Status.Settled;
        emit Refunded(channelId, msg.sender, toPublisher);
        emit Settled(channelId, 0, toPublisher);
        if (toPublisher != 0) IERC20(c.token).safeTransfer(c.publisher, toPublisher);
    }

    /// @notice Hook for the Staking contract: stops a slashed provider's channel now.
    /// @dev Only `staking`. Does nothing (returns false) when the channel has already
    ///      stopped or been settled, so a slash never fails because of the channel.
    /// @param channelId The channel.
    /// @return stopped True when this call stopped the channel.
    function terminateBySlash(bytes32 channelId) external nonReentrant returns (bool stopped) {
        if (msg.sender != staking || staking == address(0)) revert NotStaking(msg.sender);
        Channel storage c = _channels[channelId];
        if (c.status == Status.None) revert UnknownChannel(channelId);
        if (c.status == Status.Settled || (c.stopAt != 0 && c.stopAt <= block.timestamp)) return false;
        c.stopAt = uint64(block.timestamp);
        emit Terminated(channelId, msg.sender, c.stopAt);
        return true;
    }

    // --------------------------------------------------------------- anyone

    /// @notice After stopAt: pays the provider what is owed and refunds the rest to the
    ///         publisher; the channel becomes Settled.
    /// @dev Anyone may call it; the recipients are fixed by the channel.
    /// @param channelId The channel.
    function settle(bytes32 channelId) external nonReentrant {
        Channel storage c = _open(channelId);
        if (c.stopAt == 0 || c.stopAt > block.timestamp) revert NotStopped(channelId, c.stopAt);
        uint256 accrued_ = _accrued(c);
        uint256 toProvider = accrued_ - c.claimed;
        uint256 toPublisher = c.deposit - accrued_;
        c.claimed = accrued_;
        c.status = Status.Settled;
        emit Settled(channelId, toProvider, toPublisher);
        IERC20 token = IERC20(c.token);
        if (toProvider != 0) token.safeTransfer(c.provider, toProvider);
        if (toPublisher != 0) token.safeTransfer(c.publisher, toPublisher);
    }

    /// @notice Withdraws an outstanding quote: marks the caller's `nonce` as used, so no
    ///         quote carrying it can open or re-rate a channel any more.
    /// @dev Any account may invalidate its own nonces (there is nothing to protect in
    ///      doing it for a nonce that never signed anything). Reverts with NonceUsed
    ///      when the nonce is already used.
    /// @param nonce The nonce to invalidate.
    function invalidateNonce(uint256 nonce) external nonReentrant {
        if (usedNonce[msg.sender][nonce]) revert NonceUsed(msg.sender, nonce);
        usedNonce[msg.sender][nonce] = true;
        emit NonceInvalidated(msg.sender, nonce);
    }

    // ---------------------------------------------------------------- views

    /// @notice The channel id of (publisher, provider, deploymentId).
    /// @param publisher The publisher.
    /// @param provider The provider.
    /// @param deploymentId The deployment.
    /// @return keccak256(abi.encode(publisher, provider, deploymentId)).
    function channelIdOf(address publisher, address provider, bytes32 deploymentId) public pure returns (bytes32) {
        return keccak256(abi.encode(publisher, provider, deploymentId));
    }

    /// @notice The stored state of a channel (all zero for an unknown id).
    /// @param channelId The channel.
    /// @return The channel.
    function channel(bytes32 channelId) external view returns (Channel memory) {
        return _channels[channelId];
    }

    /// @notice What the provider has earned so far, in base units (claimed included).
    /// @dev For a Settled channel: what the provider was paid in total.
    /// @param channelId The channel.
    /// @return min(deposit, accruedBefore + rate × (min(now, stopAt) − start) / 1e18).
    function accrued(bytes32 channelId) external view returns (uint256) {
        Channel storage c = _channels[channelId];
        if (c.status != Status.Open) return c.claimed;
        return _accrued(c);
    }

    /// @notice What `claim` would transfer now.
    /// @param channelId The channel.
    /// @return accrued − claimed (0 unless Open).
    function claimable(bytes32 channelId) external view returns (uint256) {
        Channel storage c = _channels[channelId];
        if (c.status != Status.Open) return 0;
        return _accrued(c) - c.claimed;
    }

    /// @notice What the publisher would get back if the channel stopped now.
    /// @param channelId The channel.
    /// @return deposit − accrued (0 unless Open).
    function refundable(bytes32 channelId) external view returns (uint256) {
        Channel storage c = _channels[channelId];
        if (c.status != Status.Open) return 0;
        return c.deposit - _accrued(c);
    }

    /// @notice Seconds from now until the deposit is exhausted at the current rate.
    /// @dev Ignores a future stopAt; 0 when exhausted, stopped (now ≥ stopAt) or not
    ///      Open; type(uint256).max when the rate is 0. It is the smallest s such that
    ///      accrued(now + s) == deposit.
    /// @param channelId The channel.
    /// @return The runway in seconds.
    function runway(bytes32 channelId) external view returns (uint256) {
        Channel storage c = _channels[channelId];
        if (c.status != Status.Open) return 0;
        if (c.stopAt != 0 && c.stopAt <= block.timestamp) return 0;
        if (c.accruedBefore >= c.deposit) return 0;
        if (c.rate == 0) return type(uint256).max;
        // Smallest total elapsed e with rate × e / 1e18 ≥ deposit − accruedBefore.
        uint256 needed = Math.mulDiv(c.deposit - c.accruedBefore, SCALE, c.rate, Math.Rounding.Ceil);
        uint256 elapsed = block.timestamp - c.start;
        return needed > elapsed ? needed - elapsed : 0;
    }

    /// @notice The EIP-712 digest the provider signs for `quote` (domain "Berth Escrow",
    ///         version "1", this chain, this contract).
    /// @param quote The quote.
    /// @return The digest.
    function quoteDigest(Quote calldata quote) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    QUOTE_TYPEHASH,
                    quote.publisher,
                    quote.deploymentId,
                    quote.token,
                    quote.ratePerSecond,
                    quote.noticePeriod,
                    quote.validUntil,
                    quote.nonce
                )
            )
        );
    }

    // ------------------------------------------------------------- internal

    function _useQuote(Quote calldata quote, address provider, bytes calldata signature) private {
        if (block.timestamp > quote.validUntil) revert QuoteExpired(quote.validUntil, block.timestamp);
        _checkTerms(quote.token, quote.ratePerSecond, quote.noticePeriod);
        if (provider == address(0) || !SignatureChecker.isValidSignatureNow(provider, quoteDigest(quote), signature)) {
            revert InvalidSignature();
        }
        if (usedNonce[provider][quote.nonce]) revert NonceUsed(provider, quote.nonce);
        usedNonce[provider][quote.nonce] = true;
    }

    function _checkTerms(address token, uint256 ratePerSecond, uint64 noticePeriod) private pure {
        if (token == address(0)) revert ZeroAddress();
        if (ratePerSecond > MAX_RATE) revert RateTooHigh(ratePerSecond);
        if (noticePeriod > MAX_NOTICE_PERIOD) revert NoticePeriodTooLong(noticePeriod);
    }

    /// @dev Opens (or re-opens a Settled) channel and pulls `deposit` from msg.sender.
    ///      Callers have checked the terms and who may open it.
    function _openChannel(
        address publisher,
        address provider,
        bytes32 deploymentId,
        address token,
        uint256 ratePerSecond,
        uint64 noticePeriod,
        uint256 nonce,
        uint256 deposit
    ) private returns (bytes32 channelId) {
        channelId = channelIdOf(publisher, provider, deploymentId);
        Channel storage c = _channels[channelId];
        if (c.status == Status.Open) revert ChannelExists(channelId);

        c.publisher = publisher;
        c.provider = provider;
        c.token = token;
        c.deploymentId = deploymentId;
        c.rate = ratePerSecond;
        c.noticePeriod = noticePeriod;
        c.start = uint64(block.timestamp);
        c.stopAt = 0;
        c.status = Status.Open;
        c.deposit = deposit;
        c.accruedBefore = 0;
        c.claimed = 0;

        emit ChannelOpened(
            channelId, publisher, provider, deploymentId, token, ratePerSecond, noticePeriod, nonce, deposit
        );
        IERC20(token).safeTransferFrom(msg.sender, address(this), deposit);
    }

    function _open(bytes32 channelId) private view returns (Channel storage c) {
        c = _channels[channelId];
        if (c.status == Status.None) revert UnknownChannel(channelId);
        if (c.status == Status.Settled) revert ChannelSettled(channelId);
    }

    function _onlyPublisherOrDelegate(Channel storage c) private view {
        if (msg.sender != c.publisher && !isDelegate[c.publisher][msg.sender]) {
            revert NotPublisherOrDelegate(msg.sender);
        }
    }

    /// @dev Moves the accrual so far into accruedBefore and restarts the clock at now.
    ///      Only called while no stop is requested.
    function _checkpoint(Channel storage c) private {
        c.accruedBefore = _accrued(c);
        c.start = uint64(block.timestamp);
    }

    function _accrued(Channel storage c) private view returns (uint256) {
        uint256 end = block.timestamp;
        if (c.stopAt != 0 && c.stopAt < end) end = c.stopAt;
        uint256 total = c.accruedBefore;
        if (end > c.start) total += (c.rate * (end - c.start)) / SCALE;
        return total < c.deposit ? total : c.deposit;
    }
}
