// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Escrow} from "./Escrow.sol";
import {Registry} from "./Registry.sol";
import {Staking} from "./Staking.sol";

/// @title Market — Berth's reverse market: publishers post orders, providers bid
/// @notice A publisher posts an order (what to run, the most it pays, where, until when)
///         and escrows its deposit here. Registered providers bid a rate and a notice
///         period. The publisher accepts one bid, which opens the Escrow channel at that
///         bid's terms in the same transaction and moves the deposit into it; or it
///         cancels and gets the deposit back.
/// @dev Order: None → Open → Accepted | Cancelled (cancel by the publisher, or reclaim by
///      anyone after expiry; both refund the publisher). Bid: None → Live → Withdrawn |
///      Replaced | Accepted. Bids are immutable: a provider that lowers its bid gets a
///      new bid id and the old one becomes Replaced, so `accept(orderId, bidId)` always
///      opens the channel at exactly the terms the publisher saw for `bidId`. An order's
///      `minStake` is enforced against the provider's ACTIVE stake in Staking at `bid`
///      and again at `accept`. No owner and no upgrade path; the only admin function is
///      the deployer's one-time `setStaking`. Fee-on-transfer and rebasing tokens are not
///      supported (the contract credits the amounts it asked to transfer).
contract Market is ReentrancyGuard {
    using SafeERC20 for IERC20;

    // ---------------------------------------------------------------- limits

    /// @notice Longest region name in bytes (as Registry's).
    uint256 public constant MAX_REGION_LENGTH = 32;
    /// @notice Largest page returned by `bidsOfOrder`.
    uint256 public constant MAX_PAGE_SIZE = 100;

    // ---------------------------------------------------------------- types

    /// @notice What one replica of the pod needs (as Registry's Capacity).
    struct Resources {
        uint64 cpuMillis;
        uint64 memoryBytes;
        uint64 storageBytes;
        uint64 gpuCount;
    }

    /// @notice What a publisher posts.
    struct OrderTerms {
        bytes32 manifestHash; // hash of the pod manifest (its content is exchanged off-chain)
        bytes32 deploymentId; // the Escrow channel's deploymentId
        Resources resources;
        address token; // the ERC-20 the channel is paid in (non-zero)
        uint256 maxRatePerSecond; // base units per second scaled by 1e18, as Escrow; ≤ Escrow.MAX_RATE
        uint64 maxNoticePeriod; // the longest notice period the publisher accepts; ≤ Escrow.MAX_NOTICE_PERIOD
        uint64 expiry; // last timestamp (inclusive) at which bids and accept are possible
        uint256 minStake; // minimum ACTIVE provider stake, in the Staking token's base units; 0 = none
        uint256 deposit; // base units escrowed here, moved into the channel on accept (non-zero)
        string region; // 0..MAX_REGION_LENGTH bytes; empty = any region
    }

    /// @notice Lifecycle of an order.
    enum OrderStatus {
        None,
        Open,
        Accepted,
        Cancelled
    }

    /// @notice A stored order.
    struct Order {
        address publisher;
        uint64 postedAt;
        OrderStatus status;
        uint256 acceptedBidId; // 0 unless Accepted
        bytes32 channelId; // the Escrow channel, zero unless Accepted
        OrderTerms terms;
    }

    /// @notice Lifecycle of a bid.
    enum BidStatus {
        None,
        Live,
        Withdrawn,
        Replaced,
        Accepted
    }

    /// @notice A stored bid.
    struct Bid {
        uint256 orderId;
        address provider;
        uint64 noticePeriod;
        uint64 placedAt;
        BidStatus status;
        uint256 ratePerSecond;
    }

    // ---------------------------------------------------------------- storage

    /// @notice The Registry whose registered providers may bid.
    Registry public immutable registry;
    /// @notice The Escrow that accepted bids open channels in.
    Escrow public immutable escrow;
    /// @notice The account that deployed this contract; the only one that may call `setStaking`.
    address public immutable deployer;
    /// @notice The Staking whose active stakes back `minStake` (zero until `setStaking`).
    Staking public staking;

    uint256 private _orderCount;
    uint256 private _bidCount;
    mapping(uint256 orderId => Order) private _orders;
    mapping(uint256 bidId => Bid) private _bids;
    mapping(uint256 orderId => uint256[]) private _orderBids;

    /// @notice The provider's live bid on an order (0 = none).
    mapping(uint256 orderId => mapping(address provider => uint256 bidId)) public liveBidOf;

    // ---------------------------------------------------------------- events

    /// @notice `publisher` posted order `orderId` with `terms` and escrowed `terms.deposit`.
    event OrderPosted(uint256 indexed orderId, address indexed publisher, address indexed token, OrderTerms terms);
    /// @notice `provider` bid on `orderId`; `replacedBidId` is its previous live bid (0 = none).
    event BidPlaced(
        uint256 indexed orderId,
        uint256 indexed bidId,
        address indexed provider,
        uint256 ratePerSecond,
        uint64 noticePeriod,
        uint256 replacedBidId
    );
    /// @notice `provider` withdrew bid `bidId` (also emitted for a bid replaced by a lower one).
    event BidWithdrawn(uint256 indexed orderId, uint256 indexed bidId, address indexed provider);
    /// @notice The publisher accepted `bidId`; Escrow channel `channelId` is open.
    event OrderAccepted(
        uint256 indexed orderId, uint256 indexed bidId, bytes32 indexed channelId, address provider
    );
    /// @notice `by` cancelled (publisher) or reclaimed (after expiry) `orderId`; `refund` went to the publisher.
    event OrderCancelled(uint256 indexed orderId, address indexed by, uint256 refund);
    /// @notice The deployer set the Staking contract that `minStake` is checked against.
    event StakingSet(address indexed staking);

    // ---------------------------------------------------------------- errors

    error ZeroAddress();
    error ZeroDeposit();
    error RateTooHigh(uint256 rate, uint256 max);
    error NoticePeriodTooLong(uint64 noticePeriod, uint64 max);
    error ExpiryInPast(uint64 expiry, uint256 nowTs);
    error RegionTooLong(uint256 length, uint256 max);
    error UnknownOrder(uint256 orderId);
    error OrderNotOpen(uint256 orderId, OrderStatus status);
    error OrderExpired(uint256 orderId, uint64 expiry);
    error OrderNotExpired(uint256 orderId, uint64 expiry);
    error NotPublisher(address caller);
    error NotRegistered(address provider);
    error BidNotLower(uint256 liveBidId, uint256 liveRate, uint256 rate);
    error UnknownBid(uint256 bidId);
    error BidNotLive(uint256 bidId, BidStatus status);
    error BidNotForOrder(uint256 bidId, uint256 orderId);
    error NotBidder(address caller);
    error ChannelIdMismatch(bytes32 expected, bytes32 actual);
    error NotDeployer(address caller);
    error StakingAlreadySet(address staking);
    error StakingNotConfigured();
    error StakeTooLow(address provider, uint256 stake, uint256 minStake);

    /// @param registry_ The provider directory (bidders must be registered in it).
    /// @param escrow_ The Escrow whose `setMarket` must then be called with this contract.
    constructor(Registry registry_, Escrow escrow_) {
        if (address(registry_) == address(0) || address(escrow_) == address(0)) revert ZeroAddress();
        registry = registry_;
        escrow = escrow_;
        deployer = msg.sender;
    }

    // ---------------------------------------------------------------- admin

    /// @notice Sets, once, the Staking contract that orders' `minStake` is checked against.
    /// @dev Only the deployer, only once (as Escrow's hooks; Staking is deployed after the
    ///      Escrow, so it is not a constructor argument). Until it is set, bids on orders
    ///      with `minStake > 0` revert with StakingNotConfigured; orders with
    ///      `minStake == 0` work without it.
    /// @param staking_ The Staking contract's address (non-zero).
    function setStaking(address staking_) external {
        if (msg.sender != deployer) revert NotDeployer(msg.sender);
        if (address(staking) != address(0)) revert StakingAlreadySet(address(staking));
        if (staking_ == address(0)) revert ZeroAddress();
        staking = Staking(staking_);
        emit StakingSet(staking_);
    }

    // ------------------------------------------------------------ publisher

    /// @notice Posts an order and pulls `terms.deposit` of `terms.token` from the caller
    ///         (approve this contract first); the caller becomes the order's publisher.
    /// @dev `terms.minStake` is denominated in the Staking contract's token (not the
    ///      order's `token`); `bid` and `accept` require the provider's active stake to be
    ///      at least that much (see `bid`). Posting does not need Staking to be set.
    /// @param terms The order (see OrderTerms for each field's rules).
    /// @return orderId The new order's id (ids start at 1).
    function postOrder(OrderTerms calldata terms) external nonReentrant returns (uint256 orderId) {
        if (terms.token == address(0)) revert ZeroAddress();
        if (terms.deposit == 0) revert ZeroDeposit();
        uint256 maxRate = escrow.MAX_RATE();
        if (terms.maxRatePerSecond > maxRate) revert RateTooHigh(terms.maxRatePerSecond, maxRate);
        uint64 maxNotice = escrow.MAX_NOTICE_PERIOD();
        if (terms.maxNoticePeriod > maxNotice) revert NoticePeriodTooLong(terms.maxNoticePeriod, maxNotice);
        if (terms.expiry <= block.timestamp) revert ExpiryInPast(terms.expiry, block.timestamp);
        if (bytes(terms.region).length > MAX_REGION_LENGTH) {
            revert RegionTooLong(bytes(terms.region).length, MAX_REGION_LENGTH);
        }

        orderId = ++_orderCount;
        Order storage o = _orders[orderId];
        o.publisher = msg.sender;
        o.postedAt = uint64(block.timestamp);
        o.status = OrderStatus.Open;
        o.terms = terms;

        emit OrderPosted(orderId, msg.sender, terms.token, terms);
        IERC20(terms.token).safeTransferFrom(msg.sender, address(this), terms.deposit);
    }

    /// @notice Accepts bid `bidId`: opens the Escrow channel (publisher, bid's provider,
    ///         order's deploymentId) at the bid's rate and notice period, funded with the
    ///         order's deposit, in this transaction.
    /// @dev Publisher only; the order must be Open and not expired, the bid Live, for
    ///      this order, and its provider still registered and (when `minStake > 0`)
    ///      still holding at least `minStake` of active stake: the stake is checked
    ///      again because it may have moved to unbonding since the bid. The deposit
    ///      moves from this contract into Escrow (Escrow pulls exactly the deposit this
    ///      contract approves).
    ///      Reverts with Escrow's ChannelExists when that channel is already open.
    /// @param orderId The order.
    /// @param bidId The bid to accept.
    /// @return channelId The opened Escrow channel.
    function accept(uint256 orderId, uint256 bidId) external nonReentrant returns (bytes32 channelId) {
        Order storage o = _openOrder(orderId);
        if (msg.sender != o.publisher) revert NotPublisher(msg.sender);
        if (block.timestamp > o.terms.expiry) revert OrderExpired(orderId, o.terms.expiry);
        Bid storage b = _liveBid(bidId);
        if (b.orderId != orderId) revert BidNotForOrder(bidId, orderId);
        address provider = b.provider;
        if (!registry.isRegistered(provider)) revert NotRegistered(provider);
        _requireStake(provider, o.terms.minStake);

        OrderTerms storage t = o.terms;
        bytes32 expected = escrow.channelIdOf(o.publisher, provider, t.deploymentId);
        o.status = OrderStatus.Accepted;
        o.acceptedBidId = bidId;
        o.channelId = expected;
        b.status = BidStatus.Accepted;
        delete liveBidOf[orderId][provider];
        emit OrderAccepted(orderId, bidId, expected, provider);

        uint256 deposit = t.deposit;
        IERC20(t.token).forceApprove(address(escrow), deposit);
        channelId = escrow.openFromMarket(
            o.publisher, provider, t.deploymentId, t.token, b.ratePerSecond, b.noticePeriod, deposit
        );
        if (channelId != expected) revert ChannelIdMismatch(expected, channelId);
    }

    /// @notice Cancels an Open order and refunds its deposit to the publisher.
    /// @dev Publisher only; possible at any time before the order is accepted (also
    ///      after expiry). Live bids stay stored but can no longer be accepted.
    /// @param orderId The order.
    function cancel(uint256 orderId) external nonReentrant {
        Order storage o = _openOrder(orderId);
        if (msg.sender != o.publisher) revert NotPublisher(msg.sender);
        _refund(orderId, o);
    }

    /// @notice After an Open order's expiry, refunds its deposit to the publisher.
    /// @dev Anyone may call it (e.g. a keeper); the recipient is always the publisher.
    /// @param orderId The order.
    function reclaim(uint256 orderId) external nonReentrant {
        Order storage o = _openOrder(orderId);
        if (block.timestamp <= o.terms.expiry) revert OrderNotExpired(orderId, o.terms.expiry);
        _refund(orderId, o);
    }

    // ------------------------------------------------------------- provider

    /// @notice Bids `ratePerSecond` and `noticePeriod` on an Open, unexpired order.
    /// @dev The caller must be registered in Registry. Rate ≤ the order's max rate and
    ///      notice ≤ its max notice period. One live bid per provider per order: with a
    ///      live bid already, the new rate must be strictly lower; the old bid becomes
    ///      Replaced (BidWithdrawn is emitted for it) and the new one gets a new id.
    ///      Bidding is the provider's consent to a channel at these terms if accepted.
    ///      When the order's `minStake > 0`, Staking must be set (else
    ///      StakingNotConfigured) and the caller's ACTIVE stake must be ≥ `minStake`
    ///      (else StakeTooLow). Unbonding stake does not count, although it stays
    ///      slashable until withdrawn: it can be withdrawn after the unbonding delay,
    ///      so a provider could bid and then walk away with the stake the publisher
    ///      relied on. `accept` repeats the check.
    /// @param orderId The order.
    /// @param ratePerSecond Base units per second scaled by 1e18.
    /// @param noticePeriod Seconds the publisher pays after asking to close.
    /// @return bidId The new bid's id (ids start at 1).
    function bid(uint256 orderId, uint256 ratePerSecond, uint64 noticePeriod)
        external
        nonReentrant
        returns (uint256 bidId)
    {
        Order storage o = _openOrder(orderId);
        if (block.timestamp > o.terms.expiry) revert OrderExpired(orderId, o.terms.expiry);
        if (!registry.isRegistered(msg.sender)) revert NotRegistered(msg.sender);
        if (ratePerSecond > o.terms.maxRatePerSecond) {
            revert RateTooHigh(ratePerSecond, o.terms.maxRatePerSecond);
        }
        if (noticePeriod > o.terms.maxNoticePeriod) revert NoticePeriodTooLong(noticePeriod, o.terms.maxNoticePeriod);
        _requireStake(msg.sender, o.terms.minStake);

        uint256 previous = liveBidOf[orderId][msg.sender];
        if (previous != 0) {
            Bid storage p = _bids[previous];
            if (ratePerSecond >= p.ratePerSecond) revert BidNotLower(previous, p.ratePerSecond, ratePerSecond);
            p.status = BidStatus.Replaced;
            emit BidWithdrawn(orderId, previous, msg.sender);
        }

        bidId = ++_bidCount;
        _bids[bidId] = Bid({
            orderId: orderId,
            provider: msg.sender,
            noticePeriod: noticePeriod,
            placedAt: uint64(block.timestamp),
            status: BidStatus.Live,
            ratePerSecond: ratePerSecond
        });
        _orderBids[orderId].push(bidId);
        liveBidOf[orderId][msg.sender] = bidId;
        emit BidPlaced(orderId, bidId, msg.sender, ratePerSecond, noticePeriod, previous);
    }

    /// @notice Withdraws the caller's live bid `bidId`; it can no longer be accepted.
    /// @dev Bidder only; possible whatever the order's state.
    /// @param bidId The bid.
    function withdrawBid(uint256 bidId) external nonReentrant {
        Bid storage b = _liveBid(bidId);
        if (msg.sender != b.provider) revert NotBidder(msg.sender);
        b.status = BidStatus.Withdrawn;
        delete liveBidOf[b.orderId][msg.sender];
        emit BidWithdrawn(b.orderId, bidId, msg.sender);
    }

    // ---------------------------------------------------------------- views

    /// @notice The stored order (all zero for an unknown id).
    /// @param orderId The order.
    /// @return The order.
    function order(uint256 orderId) external view returns (Order memory) {
        return _orders[orderId];
    }

    /// @notice The stored bid (all zero for an unknown id).
    /// @param bidId The bid.
    /// @return The bid.
    function getBid(uint256 bidId) external view returns (Bid memory) {
        return _bids[bidId];
    }

    /// @notice How many orders were ever posted (the highest order id).
    /// @return The count.
    function orderCount() external view returns (uint256) {
        return _orderCount;
    }

    /// @notice How many bids were ever placed (the highest bid id).
    /// @return The count.
    function bidCount() external view returns (uint256) {
        return _bidCount;
    }

    /// @notice Up to `limit` bids of `orderId` in the order they were placed, from position
    ///         `offset` (every bid ever placed, whatever its status).
    /// @dev `limit` is capped at MAX_PAGE_SIZE; an `offset` at or past the end gives an
    ///      empty page. The list only grows, so pages read at different blocks stay
    ///      consistent.
    /// @param orderId The order.
    /// @param offset The position of the first bid returned.
    /// @param limit The maximum number of bids returned (capped at MAX_PAGE_SIZE).
    /// @return ids The bid ids.
    /// @return page The bids, in the same order as `ids`.
    /// @return total The number of bids ever placed on the order.
    function bidsOfOrder(uint256 orderId, uint256 offset, uint256 limit)
        external
        view
        returns (uint256[] memory ids, Bid[] memory page, uint256 total)
    {
        uint256[] storage all = _orderBids[orderId];
        total = all.length;
        if (limit > MAX_PAGE_SIZE) limit = MAX_PAGE_SIZE;
        uint256 n = offset >= total ? 0 : total - offset;
        if (n > limit) n = limit;
        ids = new uint256[](n);
        page = new Bid[](n);
        for (uint256 i = 0; i < n; ++i) {
            ids[i] = all[offset + i];
            page[i] = _bids[ids[i]];
        }
    }

    // ------------------------------------------------------------- internal

    /// @dev Reverts unless `provider` has at least `minStake` of ACTIVE stake (no-op for
    ///      `minStake == 0`). Trusted view call: the Staking is set once by the deployer.
    function _requireStake(address provider, uint256 minStake) private view {
        if (minStake == 0) return;
        Staking s = staking;
        if (address(s) == address(0)) revert StakingNotConfigured();
        uint256 active = s.stakeOf(provider).active;
        if (active < minStake) revert StakeTooLow(provider, active, minStake);
    }

    function _openOrder(uint256 orderId) private view returns (Order storage o) {
        o = _orders[orderId];
        if (o.status == OrderStatus.None) revert UnknownOrder(orderId);
        if (o.status != OrderStatus.Open) revert OrderNotOpen(orderId, o.status);
    }

    function _liveBid(uint256 bidId) private view returns (Bid storage b) {
        b = _bids[bidId];
        if (b.status == BidStatus.None) revert UnknownBid(bidId);
        if (b.status != BidStatus.Live) revert BidNotLive(bidId, b.status);
    }

    function _refund(uint256 orderId, Order storage o) private {
        o.status = OrderStatus.Cancelled;
        uint256 refund = o.terms.deposit;
        emit OrderCancelled(orderId, msg.sender, refund);
        IERC20(o.terms.token).safeTransfer(o.publisher, refund);
    }
}
