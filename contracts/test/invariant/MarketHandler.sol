// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {ProtocolParams} from "../../src/config/ProtocolParams.sol";
import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {ComputeMarket} from "../../src/market/ComputeMarket.sol";
import {ProviderRegistry} from "../../src/registry/ProviderRegistry.sol";
import {Staking} from "../../src/staking/Staking.sol";
import {NoosToken} from "../../src/token/NoosToken.sol";

/// @notice Drives random sequences of market calls over several tenants and providers. Every
///         entry point picks an order or lease in a state where the call should succeed (scanning
///         from a random start), so nearly every call does real work; a call that still reverts is
///         counted in `ghost_unexpectedReverts`, which an invariant keeps at zero.
///
///         Each call that moves money is checked against what the handler expects from its own
///         arguments and the state before it (the fee and the provider's credit from the gross, the
///         tenant's refund from the escrow, the part of a deposit taken from the balance, the slash);
///         a difference is counted in `ghost_mismatches`. Ghost totals record money in (funds and
///         the part of deposits taken from wallets) and out (withdrawals, sweeps) of the market, and
///         the credits to providers and tenants, so the invariants can check them against the books.
contract MarketHandler is CommonBase, StdCheats, StdUtils {
    uint16 internal constant BPS = 10_000;
    bytes32 internal constant PROVIDER_ROLE = keccak256("PROVIDER");
    uint256 internal constant MAX_DEPOSIT = 100 ether;
    uint256 internal constant MAX_TOP_UP = 20 ether;
    uint256 internal constant MAX_FUND = 150 ether;
    uint256 internal constant MAX_WARP = 12 hours;
    string internal constant MANIFEST_CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
    string internal constant RESULT_CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

    ComputeMarket public immutable market;
    NoosToken public immutable token;
    ProtocolParams public immutable params;
    Staking public immutable staking;
    ProviderRegistry public immutable registry;
    address public immutable keeper;

    address[] internal _tenants;
    address[] internal _providers;
    uint256[] internal _providerKeys;

    // ---- ghosts: tokens into and out of the market
    /// @dev fund(): tenants' wallets -> their balances.
    uint256 public ghost_funded;
    /// @dev createOrder/createOrderGroup/deposit: the part the caller's balance did not cover.
    uint256 public ghost_pulled;
    uint256 public ghost_tenantWithdrawn;
    uint256 public ghost_providerWithdrawn;
    uint256 public ghost_feesSwept;
    // ---- ghosts: the market's books as the handler expects them
    /// @dev Sum over releases of floor(gross x lease take rate / BPS).
    uint256 public ghost_expectedFees;
    /// @dev Sum over releases of gross - fee (the providers' only income).
    uint256 public ghost_providerCredits;
    /// @dev Refunds credited to tenants (cancels, auctions closed without a lease, escrow left at a lease's end).
    uint256 public ghost_tenantCredits;
    /// @dev The part of order deposits and top-ups taken from tenants' balances.
    uint256 public ghost_balanceUsed;
    /// @dev Per order: the opening deposit plus top-ups.
    mapping(uint256 orderId => uint256) public ghost_escrowIn;
    /// @dev Per lease: the gross released to its provider (fee included).
    mapping(uint256 leaseId => uint256) public ghost_paid;
    mapping(uint256 orderId => bool) public ghost_hasLease;
    /// @dev Replica groups: the order a provider bid on (+1), the only one it may bid on.
    mapping(uint256 groupId => mapping(address provider => uint256)) internal _groupPick;
    // ---- ghosts: checks
    uint256 public ghost_unexpectedReverts;
    string public ghost_lastRevertCall;
    bytes public ghost_lastRevertData;
    uint256 public ghost_mismatches;
    string public ghost_lastMismatch;
    /// @dev Unstake requests above the unlocked stake that succeeded (must stay 0).
    uint256 public ghost_lockBreaches;
    mapping(string name => uint256) public calls;

    /// @dev What a lease call is checked against.
    struct Snap {
        address tenant;
        address provider;
        IComputeMarket.LeaseState state;
        uint16 rate;
        uint256 marketTokens;
        uint256 tenantBalance;
        uint256 providerBalance;
        uint256 fees;
        uint256 escrow;
        uint256 stake; // the provider's stake + unbonding in Staking
        uint256 openLeases;
        uint256 locked; // what the market holds locked for the provider
    }

    constructor(
        ComputeMarket market_,
        NoosToken token_,
        ProtocolParams params_,
        Staking staking_,
        ProviderRegistry registry_,
        address keeper_,
        address[] memory tenants_,
        address[] memory providers_,
        uint256[] memory providerKeys_
    ) {
        market = market_;
        token = token_;
        params = params_;
        staking = staking_;
        registry = registry_;
        keeper = keeper_;
        _tenants = tenants_;
        _providers = providers_;
        _providerKeys = providerKeys_;
    }

    // ================================================================ accounts

    function fund(uint256 tenantSeed, uint256 amountSeed) external {
        address who = _tenant(tenantSeed);
        uint256 amount = bound(amountSeed, 1, MAX_FUND);
        uint256 marketBefore = token.balanceOf(address(market));
        uint256 balanceBefore = _balanceOf(who);
        vm.prank(who);
        try market.fund(address(token), amount) {
            ghost_funded += amount;
            _check("fund", _balanceOf(who) == balanceBefore + amount, "balance + amount");
            _check("fund", token.balanceOf(address(market)) == marketBefore + amount, "market tokens + amount");
            ++calls["fund"];
        } catch (bytes memory err) {
            _unexpected("fund", err);
        }
    }

    /// @dev Any tenant or provider with a balance takes it all out.
    function withdraw(uint256 accountSeed) external {
        uint256 n = _tenants.length + _providers.length;
        for (uint256 i; i < n; ++i) {
            uint256 k = (accountSeed % n + i) % n;
            bool isTenant = k < _tenants.length;
            address who = isTenant ? _tenants[k] : _providers[k - _tenants.length];
            uint256 amount = _balanceOf(who);
            if (amount == 0) continue;
            uint256 walletBefore = token.balanceOf(who);
            vm.prank(who);
            try market.withdraw(address(token)) returns (uint256 paid) {
                _check("withdraw", paid == amount, "returns the balance");
                _check("withdraw", token.balanceOf(who) == walletBefore + amount, "wallet + balance");
                _check("withdraw", _balanceOf(who) == 0, "balance emptied");
                if (isTenant) ghost_tenantWithdrawn += amount;
                else ghost_providerWithdrawn += amount;
                ++calls[isTenant ? "withdraw(tenant)" : "withdraw(provider)"];
            } catch (bytes memory err) {
                _unexpected("withdraw", err);
            }
            return;
        }
    }

    function sweepFees() external {
        uint256 fees = market.accruedFees(address(token));
        if (fees == 0) return;
        address treasury = params.treasury();
        uint256 before = token.balanceOf(treasury);
        vm.prank(keeper);
        try market.sweepFees(address(token)) returns (uint256 swept) {
            _check("sweepFees", swept == fees && token.balanceOf(treasury) == before + fees, "all fees to treasury");
            ghost_feesSwept += fees;
            ++calls["sweepFees"];
        } catch (bytes memory err) {
            _unexpected("sweepFees", err);
        }
    }

    // ================================================================ orders

    function createServiceOrder(uint256 tenantSeed, uint256 depositSeed, uint256 lifetimeSeed, uint256 windowSeed)
        external
    {
        uint256 amount = bound(depositSeed, _minOrderDeposit(), MAX_DEPOSIT);
        // Escrow for one minute to one day at the max price; bids are below it.
        uint256 maxPrice = amount / bound(lifetimeSeed, 60, 1 days);
        _createOrder(_tenant(tenantSeed), amount, maxPrice, windowSeed, 0, 1);
    }

    function createBatchOrder(uint256 tenantSeed, uint256 depositSeed, uint256 timeoutSeed, uint256 windowSeed)
        external
    {
        uint256 amount = bound(depositSeed, _minOrderDeposit(), MAX_DEPOSIT);
        uint32 jobTimeout = uint32(bound(timeoutSeed, 10 minutes, 2 days));
        _createOrder(_tenant(tenantSeed), amount, amount / jobTimeout, windowSeed, jobTimeout, 1);
    }

    /// @dev A replica group of 2 or 3 batch orders.
    function createOrderGroup(uint256 tenantSeed, uint256 depositSeed, uint256 timeoutSeed, uint256 windowSeed)
        external
    {
        uint256 amount = bound(depositSeed, _minOrderDeposit(), MAX_DEPOSIT);
        uint32 jobTimeout = uint32(bound(timeoutSeed, 10 minutes, 2 days));
        _createOrder(
            _tenant(tenantSeed), amount, amount / jobTimeout, windowSeed, jobTimeout, bound(windowSeed >> 64, 2, 3)
        );
    }

    /// @dev A top-up by any tenant of an open order or an active service lease with escrow left
    ///      (settled first).
    function deposit(uint256 orderSeed, uint256 amountSeed, uint256 fromSeed) external {
        (uint256 id, bool found) = _find(orderSeed, _canTopUp);
        if (!found) return;
        uint256 amount = bound(amountSeed, 1, MAX_TOP_UP);
        bool leased = _isLeased(id);
        uint256 gross;
        if (leased) (gross,) = market.pendingSettlement(id);
        Snap memory s = leased ? _snapLease(id) : _snapOrder(id);
        Payment memory pay = _payment(_tenant(fromSeed), amount);
        vm.prank(pay.from);
        try market.deposit(id, amount) {
            _pay("deposit", pay);
            ghost_escrowIn[id] += amount;
            if (leased) {
                // The settlement before the top-up: paid as by settle, escrow then + amount.
                s.escrow += amount;
                s.marketTokens += amount - pay.used;
                if (pay.from == s.tenant) s.tenantBalance -= pay.used;
                _afterLease("deposit", id, s, gross, 0);
            } else {
                _check("deposit", market.getOrder(id).escrow == s.escrow + amount, "escrow + amount");
            }
            ++calls[leased ? "deposit(lease)" : "deposit(order)"];
        } catch (bytes memory err) {
            _unexpected("deposit", err);
        }
    }

    function cancelOrder(uint256 orderSeed) external {
        (uint256 id, bool found) = _find(orderSeed, _isOpen);
        if (!found) return;
        _cancel(id);
    }

    // ================================================================ bids

    function createBid(uint256 orderSeed, uint256 providerSeed, uint256 priceSeed) external {
        _createBid(orderSeed, providerSeed, priceSeed);
    }

    /// @dev The tenant accepts the best bid of an open order; with no order it could accept, bids first.
    function acceptBid(uint256 orderSeed, uint256 bidSeed) external {
        (uint256 id, bool found) = _findOrBid(orderSeed, bidSeed);
        if (found) _acceptOn(id);
    }

    /// @dev Waits out the bid window when needed (time passes for every lease). Ungrouped orders:
    ///      one whose best bidder can take it. Grouped orders: any open one (closed without a
    ///      usable bid).
    function closeAuction(uint256 orderSeed, uint256 bidSeed) external {
        (uint256 id, bool found) = _find(orderSeed, _isOpenGrouped);
        if (!found || bidSeed & 1 == 1) (id, found) = _findOrBid(orderSeed, bidSeed);
        if (!found) return;
        IComputeMarket.Order memory o = market.getOrder(id);
        if (block.timestamp < o.bidDeadline) vm.warp(o.bidDeadline);
        bool leases = o.bestBidder != address(0) && _canWin(o.bestBidder);
        Snap memory s = leases ? _snapProvider(o.bestBidder) : _snapOrder(id);
        vm.prank(keeper);
        try market.closeAuction(id) returns (uint256 leaseId) {
            if (leases) {
                _check("closeAuction", leaseId == id, "returns the lease id");
                _afterLeaseStart("closeAuction", id, o, s);
            } else {
                _check("closeAuction", leaseId == 0, "returns 0 when closed");
                _afterOrderClosed("closeAuction", id, s);
            }
            ++calls[leases ? "closeAuction(lease)" : "closeAuction(close)"];
        } catch (bytes memory err) {
            _unexpected("closeAuction", err);
        }
    }

    // ================================================================ leases

    function settle(uint256 leaseSeed) external {
        (uint256 id, bool found) = _find(leaseSeed, _isActiveLease);
        if (!found) return;
        (uint256 gross, uint256 escrowLeft) = market.pendingSettlement(id);
        bool batch = market.getLease(id).deadline != 0;
        Snap memory s = _snapLease(id);
        vm.prank(keeper);
        try market.settle(id) returns (uint256 accrued) {
            _check("settle", accrued == gross, "returns pendingSettlement");
            _check("settle", !batch || gross == 0, "a batch lease accrues nothing");
            IComputeMarket.LeaseState state = market.getLease(id).state;
            _check(
                "settle",
                (state == IComputeMarket.LeaseState.InsufficientFunds) == (!batch && escrowLeft == 0),
                "ends exactly when the escrow runs out"
            );
            _afterLease("settle", id, s, gross, 0);
            ++calls["settle"];
        } catch (bytes memory err) {
            _unexpected("settle", err);
        }
    }

    /// @dev By the tenant (a batch job pays the time worked, at most its job price) or by the
    ///      provider (a batch job before its deadline: paid nothing, pro-rata slash).
    function closeLease(uint256 leaseSeed, bool byProvider) external {
        (uint256 id, bool found) = _find(leaseSeed, _isActiveLease);
        if (!found) return;
        IComputeMarket.Lease memory l = market.getLease(id);
        // Past a batch deadline only the tenant may close (the provider's miss is for expireLease).
        if (l.deadline != 0 && block.timestamp > l.deadline) byProvider = false;
        uint256 gross;
        uint256 slash;
        if (l.deadline == 0) {
            (gross,) = market.pendingSettlement(id);
        } else {
            uint256 jobTimeout = l.deadline - l.startedAt;
            uint256 elapsed = block.timestamp - l.startedAt;
            if (elapsed > jobTimeout) elapsed = jobTimeout;
            if (byProvider) slash = _missSlash() * elapsed / jobTimeout;
            else gross = l.pricePerSecond * elapsed;
        }
        Snap memory s = _snapLease(id);
        vm.prank(byProvider ? l.provider : l.tenant);
        try market.closeLease(id) {
            _afterLease("closeLease", id, s, gross, slash);
            ++calls[byProvider ? "closeLease(provider)" : "closeLease(tenant)"];
        } catch (bytes memory err) {
            _unexpected("closeLease", err);
        }
    }

    function submitResult(uint256 leaseSeed, bool viaReceipt) external {
        _submitResult(leaseSeed, viaReceipt);
    }

    /// @dev By the tenant at once, or by the keeper after waiting out the dispute window. With no
    ///      result waiting anywhere, submits one first.
    function acceptResult(uint256 leaseSeed, bool byTenant) external {
        (uint256 id, bool found) = _find(leaseSeed, _isSubmitted);
        if (!found) {
            if (!_submitResult(leaseSeed, byTenant)) return;
            (id, found) = _find(leaseSeed, _isSubmitted);
        }
        IComputeMarket.Lease memory l = market.getLease(id);
        if (!byTenant && block.timestamp < l.disputeEndsAt) vm.warp(l.disputeEndsAt);
        Snap memory s = _snapLease(id);
        vm.prank(byTenant ? l.tenant : keeper);
        try market.acceptResult(id) {
            _afterLease("acceptResult", id, s, l.held, 0);
            ++calls[byTenant ? "acceptResult(tenant)" : "acceptResult(keeper)"];
        } catch (bytes memory err) {
            _unexpected("acceptResult", err);
        }
    }

    function disputeResult(uint256 leaseSeed) external {
        _disputeResult(leaseSeed);
    }

    /// @dev With no dispute open anywhere, disputes a result first.
    function resolveDispute(uint256 leaseSeed, bool providerWins) external {
        (uint256 id, bool found) = _find(leaseSeed, _isDisputed);
        if (!found) {
            if (!_disputeResult(leaseSeed)) return;
            (id, found) = _find(leaseSeed, _isDisputed);
        }
        uint256 held = market.getLease(id).held;
        Snap memory s = _snapLease(id);
        vm.prank(params.arbiter());
        try market.resolveDispute(id, providerWins) {
            _afterLease("resolveDispute", id, s, providerWins ? held : 0, providerWins ? 0 : _missSlash());
            ++calls[providerWins ? "resolveDispute(provider)" : "resolveDispute(tenant)"];
        } catch (bytes memory err) {
            _unexpected("resolveDispute", err);
        }
    }

    /// @dev An active batch lease (grouped or not) past its deadline fails; waits out the deadline when needed.
    function expireLease(uint256 leaseSeed) external {
        (uint256 id, bool found) = _find(leaseSeed, _isBatchActive);
        if (!found) return;
        uint64 deadline = market.getLease(id).deadline;
        if (block.timestamp <= deadline) vm.warp(uint256(deadline) + 1);
        _expire("expireLease", id);
    }

    /// @dev The provider of a grouped lease in time commits to its (deterministic) result.
    function commitResult(uint256 leaseSeed) external {
        (uint256 id, bool found) = _find(leaseSeed, _isGroupedInTime);
        if (!found) {
            // None yet: lease a replica first.
            (uint256 orderId, bool open) = _find(leaseSeed, _isGroupedOrderWithBid);
            if (!open || !_acceptOn(orderId)) return;
            id = orderId;
        }
        _commit(id);
    }

    /// @dev A committed lease reveals while its group's reveal window is open.
    function revealResult(uint256 leaseSeed, bool viaReceipt) external {
        (uint256 id, bool found) = _find(leaseSeed, _isRevealable);
        if (!found) {
            // None yet: settle the rest of a group with a committed replica (commit the leases in
            // time, expire the late ones, cancel the orders still open) so that its reveal opens.
            (id, found) = _find(leaseSeed, _isCommitted);
            if (!found || !_settleGroup(market.getOrder(id).group)) return;
            if (!_isRevealable(id)) return;
        }
        address provider = market.getLease(id).provider;
        bytes memory receipt;
        if (viaReceipt) receipt = _receipt(id, provider);
        Snap memory s = _snapLease(id);
        vm.prank(viaReceipt ? keeper : provider);
        try market.revealResult(id, RESULT_CID, _resultHash(id), _salt(id), receipt) {
            _check(
                "revealResult",
                market.getLease(id).state == IComputeMarket.LeaseState.ResultSubmitted,
                "ResultSubmitted"
            );
            _afterLease("revealResult", id, s, 0, 0);
            ++calls[viaReceipt ? "revealResult(receipt)" : "revealResult"];
        } catch (bytes memory err) {
            _unexpected("revealResult", err);
        }
    }

    /// @dev A committed lease whose group's reveal window is over fails (RevealMissed).
    function expireUnrevealed(uint256 leaseSeed) external {
        (uint256 id, bool found) = _find(leaseSeed, _isCommitted);
        if (!found) return;
        uint64 revealEndsAt = market.getGroup(market.getOrder(id).group).revealEndsAt;
        if (revealEndsAt == 0) return; // some replica has not settled yet
        if (block.timestamp <= revealEndsAt) vm.warp(uint256(revealEndsAt) + 1);
        _expire("expireUnrevealed", id);
    }

    // ================================================================ staking

    /// @dev A provider unstakes part of its unlocked stake (must succeed), after checking that one
    ///      wei more than the unlocked part is refused.
    function requestUnstake(uint256 providerSeed, uint256 amountSeed) external {
        address provider = _providers[providerSeed % _providers.length];
        uint256 staked = staking.stakeOf(provider, PROVIDER_ROLE);
        uint256 free = staked - staking.lockedOf(provider, PROVIDER_ROLE);
        if (free < staked) {
            vm.prank(provider);
            try staking.requestUnstake(PROVIDER_ROLE, free + 1) {
                ++ghost_lockBreaches;
            } catch {}
        }
        if (free == 0 || staking.unbondingsOf(provider, PROVIDER_ROLE).length >= staking.MAX_UNBONDINGS()) return;
        uint256 amount = bound(amountSeed, 1, free);
        vm.prank(provider);
        try staking.requestUnstake(PROVIDER_ROLE, amount) {
            ++calls["requestUnstake"];
        } catch (bytes memory err) {
            _unexpected("requestUnstake", err);
        }
    }

    /// @dev The market unlocks what it holds beyond the provider's open leases' needs.
    function releaseStake(uint256 providerSeed) external {
        address provider = _providers[providerSeed % _providers.length];
        (uint256 open, uint256 locked) = market.providerStake(provider);
        uint256 need = open * params.minProviderStake();
        uint256 expected = locked > need ? locked - need : 0;
        uint256 stakingLocked = staking.lockedOf(provider, PROVIDER_ROLE);
        vm.prank(provider);
        try market.releaseStake() returns (uint256 amount) {
            _check("releaseStake", amount == expected, "returns locked - open leases' needs");
            (uint256 openAfter, uint256 lockedAfter) = market.providerStake(provider);
            _check("releaseStake", openAfter == open && lockedAfter == locked - expected, "market lock record");
            uint256 unlocked = expected < stakingLocked ? expected : stakingLocked;
            _check(
                "releaseStake",
                staking.lockedOf(provider, PROVIDER_ROLE) == stakingLocked - unlocked,
                "Staking unlocked the excess"
            );
            ++calls[expected == 0 ? "releaseStake(none)" : "releaseStake"];
        } catch (bytes memory err) {
            _unexpected("releaseStake", err);
        }
    }

    /// @dev Tops a provider's stake back up, so that bidding goes on after unstakes and slashes.
    function restake(uint256 providerSeed, uint256 amountSeed) external {
        address provider = _providers[providerSeed % _providers.length];
        uint256 amount = bound(amountSeed, 1 ether, 500 ether);
        if (token.balanceOf(provider) < amount) return;
        vm.prank(provider);
        try staking.stake(PROVIDER_ROLE, amount) {
            ++calls["restake"];
        } catch (bytes memory err) {
            _unexpected("restake", err);
        }
    }

    // ================================================================ governance, time

    /// @dev Governance changes the take rate; running leases keep the rate they started with.
    function setTakeRate(uint256 rateSeed) external {
        uint16 rate = uint16(bound(rateSeed, 0, params.MAX_TAKE_RATE_BPS()));
        vm.prank(params.owner());
        params.setTakeRateBps(rate);
        ++calls["setTakeRate"];
    }

    function warp(uint256 secondsSeed) external {
        vm.warp(block.timestamp + bound(secondsSeed, 1, MAX_WARP));
        ++calls["warp"];
    }

    // ================================================================ views for the invariants

    function tenants() external view returns (address[] memory) {
        return _tenants;
    }

    function providers() external view returns (address[] memory) {
        return _providers;
    }

    function totalIn() external view returns (uint256) {
        return ghost_funded + ghost_pulled;
    }

    function totalOut() external view returns (uint256) {
        return ghost_tenantWithdrawn + ghost_providerWithdrawn + ghost_feesSwept;
    }

    // ================================================================ internals: calls

    function _createOrder(
        address tenant,
        uint256 amount,
        uint256 maxPrice,
        uint256 windowSeed,
        uint32 jobTimeout,
        uint256 replicas
    ) private {
        IComputeMarket.OrderParams memory p = _orderParams(tenant, amount, maxPrice, windowSeed, jobTimeout);
        Payment memory pay = _payment(tenant, amount * replicas);
        uint256 first = market.orderCount() + 1;
        string memory name =
            replicas > 1 ? "createOrderGroup" : jobTimeout == 0 ? "createOrder(service)" : "createOrder(batch)";
        bool ok;
        bytes memory err;
        vm.prank(tenant);
        if (replicas > 1) {
            try market.createOrderGroup(p, replicas) returns (uint256 id) {
                ok = id == first;
            } catch (bytes memory e) {
                err = e;
            }
        } else {
            try market.createOrder(p) returns (uint256 id) {
                ok = id == first;
            } catch (bytes memory e) {
                err = e;
            }
        }
        if (err.length != 0) return _unexpected(name, err);
        _check(name, ok, "returns the next sequential id");
        _pay(name, pay);
        for (uint256 i; i < replicas; ++i) {
            IComputeMarket.Order memory o = market.getOrder(first + i);
            ghost_escrowIn[first + i] = amount;
            _check(name, o.escrow == amount && o.tenant == tenant, "order escrow");
            _check(name, o.group == (replicas > 1 ? first : 0), "group tag");
            _check(name, o.bestBidder == address(0) && o.state == IComputeMarket.OrderState.Open, "open, no bid");
        }
        ++calls[name];
    }

    function _orderParams(address tenant, uint256 amount, uint256 maxPrice, uint256 windowSeed, uint32 jobTimeout)
        private
        view
        returns (IComputeMarket.OrderParams memory p)
    {
        p.manifestCid = MANIFEST_CID;
        p.manifestHash = keccak256(abi.encode(tenant, market.orderCount()));
        p.resources = IComputeMarket.Resources({cpuMillis: 1_000, memoryBytes: 1 << 30, storageBytes: 1 << 30, gpus: 0});
        p.token = address(token);
        p.maxPricePerSecond = maxPrice;
        p.deposit = amount;
        p.bidWindow = uint32(bound(windowSeed, params.minBidWindow(), 2 hours));
        p.jobTimeout = jobTimeout;
    }

    /// @dev A payment of `amount` into an escrow as expected before the call: the caller's balance
    ///      first (`used`), the rest from its wallet.
    struct Payment {
        address from;
        uint256 amount;
        uint256 used;
        uint256 balance;
        uint256 wallet;
        uint256 marketTokens;
    }

    function _payment(address from, uint256 amount) private view returns (Payment memory pay) {
        pay.from = from;
        pay.amount = amount;
        pay.balance = _balanceOf(from);
        pay.used = pay.balance < amount ? pay.balance : amount;
        pay.wallet = token.balanceOf(from);
        pay.marketTokens = token.balanceOf(address(market));
    }

    function _pay(string memory name, Payment memory pay) private {
        _check(name, _balanceOf(pay.from) == pay.balance - pay.used, "balance used first");
        _check(name, token.balanceOf(pay.from) == pay.wallet - (pay.amount - pay.used), "rest from the allowance");
        _check(
            name, token.balanceOf(address(market)) == pay.marketTokens + (pay.amount - pay.used), "market tokens + rest"
        );
        ghost_balanceUsed += pay.used;
        ghost_pulled += pay.amount - pay.used;
    }

    function _cancel(uint256 id) private {
        Snap memory s = _snapOrder(id);
        vm.prank(s.tenant);
        try market.cancelOrder(id) {
            _afterOrderClosed("cancelOrder", id, s);
            ++calls["cancelOrder"];
        } catch (bytes memory err) {
            _unexpected("cancelOrder", err);
        }
    }

    /// @return placed Whether a bid was placed.
    function _createBid(uint256 orderSeed, uint256 providerSeed, uint256 priceSeed) private returns (bool placed) {
        (uint256 id, bool found) = _find(orderSeed, _isOpenForBids);
        if (!found) return false;
        (address provider, bool ok) = _bidder(id, providerSeed);
        if (!ok) return false;
        IComputeMarket.Order memory o = market.getOrder(id);
        uint256 best = o.bestBidder == address(0) ? o.maxPricePerSecond + 1 : o.bestPricePerSecond;
        if (best <= 1) return false;
        uint256 price = bound(priceSeed, 1, best - 1);
        uint256 marketTokens = token.balanceOf(address(market));
        vm.prank(provider);
        try market.createBid(id, price) {
            o = market.getOrder(id);
            _check("createBid", o.bestBidder == provider && o.bestPricePerSecond == price, "the new best bid");
            _check("createBid", token.balanceOf(address(market)) == marketTokens, "no bid deposit");
            if (o.group != 0) _groupPick[o.group][provider] = id + 1;
            ++calls["createBid"];
            return true;
        } catch (bytes memory err) {
            _unexpected("createBid", err);
        }
    }

    /// @dev An open order whose best bidder can take it; with none, places a bid first.
    function _findOrBid(uint256 orderSeed, uint256 bidSeed) private returns (uint256 id, bool found) {
        (id, found) = _find(orderSeed, _hasUsableBid);
        if (found) return (id, true);
        if (!_createBid(orderSeed, bidSeed, bidSeed >> 64)) return (0, false);
        return _find(orderSeed, _hasUsableBid);
    }

    function _acceptOn(uint256 id) private returns (bool accepted) {
        IComputeMarket.Order memory o = market.getOrder(id);
        Snap memory s = _snapProvider(o.bestBidder);
        vm.prank(o.tenant);
        try market.acceptBid(id) returns (uint256 leaseId) {
            _check("acceptBid", leaseId == id, "lease id == order id");
            _afterLeaseStart("acceptBid", id, o, s);
            ++calls["acceptBid"];
            return true;
        } catch (bytes memory err) {
            _unexpected("acceptBid", err);
        }
    }

    /// @dev Submits for an ungrouped batch lease still in time; with none, tries to lease a batch order first.
    function _submitResult(uint256 leaseSeed, bool viaReceipt) private returns (bool submitted) {
        (uint256 id, bool found) = _find(leaseSeed, _isBatchInTime);
        if (!found) {
            (uint256 orderId, bool open) = _find(leaseSeed, _isBatchOrderWithBid);
            if (!open || !_acceptOn(orderId)) return false;
            id = orderId;
        }
        address provider = market.getLease(id).provider;
        bytes memory receipt;
        if (viaReceipt) receipt = _receipt(id, provider);
        Snap memory s = _snapLease(id);
        vm.prank(viaReceipt ? keeper : provider);
        try market.submitResult(id, RESULT_CID, _resultHash(id), receipt) {
            IComputeMarket.Lease memory l = market.getLease(id);
            _check(
                "submitResult",
                l.state == IComputeMarket.LeaseState.ResultSubmitted && l.resultHash == _resultHash(id)
                    && l.disputeEndsAt == block.timestamp + params.disputeWindow(),
                "ResultSubmitted, window starts"
            );
            _afterLease("submitResult", id, s, 0, 0);
            ++calls[viaReceipt ? "submitResult(receipt)" : "submitResult"];
            return true;
        } catch (bytes memory err) {
            _unexpected("submitResult", err);
        }
    }

    /// @dev Disputes a result in its window; with none, submits one first.
    function _disputeResult(uint256 leaseSeed) private returns (bool disputed) {
        (uint256 id, bool found) = _find(leaseSeed, _isSubmittedInWindow);
        if (!found) {
            if (!_submitResult(leaseSeed, leaseSeed & 1 == 1)) return false;
            (id, found) = _find(leaseSeed, _isSubmittedInWindow);
        }
        Snap memory s = _snapLease(id);
        vm.prank(s.tenant);
        try market.disputeResult(id) {
            _afterLease("disputeResult", id, s, 0, 0);
            ++calls["disputeResult"];
            return true;
        } catch (bytes memory err) {
            _unexpected("disputeResult", err);
        }
    }

    function _commit(uint256 id) private {
        address provider = market.getLease(id).provider;
        bytes32 c = market.resultCommitment(id, _resultHash(id), RESULT_CID, _salt(id), provider);
        Snap memory s = _snapLease(id);
        vm.prank(provider);
        try market.commitResult(id, c) {
            IComputeMarket.Lease memory l = market.getLease(id);
            _check("commitResult", l.state == IComputeMarket.LeaseState.Committed && l.commitment == c, "committed");
            _afterLease("commitResult", id, s, 0, 0);
            ++calls["commitResult"];
        } catch (bytes memory err) {
            _unexpected("commitResult", err);
        }
    }

    /// @dev A failed lease: the tenant gets the escrow back, the provider is slashed (the keeper reports).
    function _expire(string memory name, uint256 id) private {
        Snap memory s = _snapLease(id);
        vm.prank(keeper);
        try market.expireLease(id) {
            _check(name, market.getLease(id).state == IComputeMarket.LeaseState.Failed, "Failed");
            _afterLease(name, id, s, 0, _missSlash());
            ++calls[name];
        } catch (bytes memory err) {
            _unexpected(name, err);
        }
    }

    /// @return open Whether every order of the group has committed or ended now.
    function _settleGroup(uint256 groupId) private returns (bool open) {
        uint256 size = market.getGroup(groupId).size;
        for (uint256 j = groupId; j < groupId + size; ++j) {
            if (_isOpen(j)) {
                _cancel(j);
            } else if (_isGroupedInTime(j)) {
                _commit(j);
            } else if (_isBatchActive(j)) {
                _expire("expireLease", j); // past its deadline
            }
        }
        return market.getGroup(groupId).revealEndsAt != 0;
    }

    function _receipt(uint256 id, address provider) private view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(_keyOf(provider), market.receiptDigest(id, _resultHash(id), RESULT_CID));
        return abi.encodePacked(r, s, v);
    }

    // ================================================================ internals: accounting

    function _snapOrder(uint256 id) private view returns (Snap memory s) {
        IComputeMarket.Order memory o = market.getOrder(id);
        s.tenant = o.tenant;
        s.escrow = o.escrow;
        s.tenantBalance = _balanceOf(o.tenant);
        s.marketTokens = token.balanceOf(address(market));
        s.fees = market.accruedFees(address(token));
    }

    function _snapProvider(address provider) private view returns (Snap memory s) {
        s.provider = provider;
        s.marketTokens = token.balanceOf(address(market));
        (s.openLeases, s.locked) = market.providerStake(provider);
    }

    function _snapLease(uint256 id) private view returns (Snap memory s) {
        IComputeMarket.Lease memory l = market.getLease(id);
        s.tenant = l.tenant;
        s.provider = l.provider;
        s.state = l.state;
        s.rate = l.takeRateBps;
        s.marketTokens = token.balanceOf(address(market));
        s.tenantBalance = _balanceOf(l.tenant);
        s.providerBalance = _balanceOf(l.provider);
        s.fees = market.accruedFees(address(token));
        s.escrow = market.getOrder(id).escrow;
        s.stake = _stakeOf(l.provider);
        (s.openLeases, s.locked) = market.providerStake(l.provider);
    }

    /// @dev An order closed without a lease (cancel, or a grouped auction with no usable bid):
    ///      its whole escrow is credited to the tenant.
    function _afterOrderClosed(string memory name, uint256 id, Snap memory s) private {
        IComputeMarket.Order memory o = market.getOrder(id);
        _check(name, o.state == IComputeMarket.OrderState.Closed && o.escrow == 0, "closed, escrow 0");
        _check(name, _balanceOf(s.tenant) == s.tenantBalance + s.escrow, "escrow credited to the tenant");
        _check(name, token.balanceOf(address(market)) == s.marketTokens, "no transfer");
        ghost_tenantCredits += s.escrow;
    }

    /// @dev A lease started on the best bid `o` (read before): no money moves, one more open lease,
    ///      enough stake locked for them all.
    function _afterLeaseStart(string memory name, uint256 id, IComputeMarket.Order memory o, Snap memory s) private {
        IComputeMarket.Lease memory l = market.getLease(id);
        IComputeMarket.Order memory after_ = market.getOrder(id);
        _check(
            name, after_.state == IComputeMarket.OrderState.Leased && after_.escrow == o.escrow, "leased, escrow kept"
        );
        _check(name, l.provider == o.bestBidder && l.pricePerSecond == o.bestPricePerSecond, "the best bid wins");
        _check(name, l.tenant == o.tenant && l.state == IComputeMarket.LeaseState.Active, "active");
        _check(name, l.startedAt == block.timestamp && l.settledAt == block.timestamp, "starts now");
        _check(
            name,
            l.deadline == (o.jobTimeout == 0 ? 0 : block.timestamp + o.jobTimeout)
                && l.held == l.pricePerSecond * o.jobTimeout,
            "deadline, job price held"
        );
        _check(name, token.balanceOf(address(market)) == s.marketTokens, "no transfer");
        (uint256 open, uint256 locked) = market.providerStake(o.bestBidder);
        _check(name, open == s.openLeases + 1, "one more open lease");
        _check(name, locked >= open * params.minProviderStake() && locked >= s.locked, "stake locked for every lease");
        ghost_hasLease[id] = true;
    }

    /// @dev After a lease call that released `gross` to the provider and slashed it `slash` (before
    ///      the cap by what the market holds locked).
    function _afterLease(string memory name, uint256 id, Snap memory s, uint256 gross, uint256 slash) private {
        IComputeMarket.Lease memory l = market.getLease(id);
        uint256 fee = gross * s.rate / BPS;
        bool ended = _running(s.state) && !_running(l.state);
        if (gross > s.escrow) {
            _mismatch(name, "gross > escrow");
            return;
        }
        uint256 refund = ended ? s.escrow - gross : 0;
        _check(name, market.accruedFees(address(token)) == s.fees + fee, "fee == gross x take rate");
        _check(name, _balanceOf(s.provider) == s.providerBalance + gross - fee, "provider credited gross - fee");
        _check(name, _balanceOf(s.tenant) == s.tenantBalance + refund, "tenant credited the escrow left");
        _check(name, market.getOrder(id).escrow == s.escrow - gross - refund, "escrow - gross - refund");
        _check(name, token.balanceOf(address(market)) == s.marketTokens, "no transfer");
        if (ended) {
            _check(name, l.closedAt == block.timestamp && l.held == 0, "closed now, nothing held");
            _check(name, market.getOrder(id).state == IComputeMarket.OrderState.Closed, "order closed");
        }
        uint256 expected = slash < s.locked ? slash : s.locked;
        if (expected > s.stake) expected = s.stake;
        _check(name, s.stake - _stakeOf(s.provider) == expected, "slash");
        (uint256 open, uint256 locked) = market.providerStake(s.provider);
        _check(name, open == (ended ? s.openLeases - 1 : s.openLeases), "open leases");
        _check(name, locked >= open * params.minProviderStake(), "locked >= open leases' needs");
        ghost_expectedFees += fee;
        ghost_providerCredits += gross - fee;
        ghost_tenantCredits += refund;
        ghost_paid[id] += gross;
    }

    function _check(string memory name, bool ok, string memory what) private {
        if (!ok) _mismatch(name, what);
    }

    function _mismatch(string memory name, string memory what) private {
        ++ghost_mismatches;
        ghost_lastMismatch = string.concat(name, ": ", what);
    }

    function _unexpected(string memory name, bytes memory err) private {
        ++ghost_unexpectedReverts;
        ghost_lastRevertCall = name;
        ghost_lastRevertData = err;
    }

    // ================================================================ internals: picking

    /// @dev The first order, scanning from a random start, that satisfies `pred`.
    function _find(uint256 seed, function(uint256) view returns (bool) pred)
        private
        view
        returns (uint256 id, bool found)
    {
        uint256 n = market.orderCount();
        if (n == 0) return (0, false);
        uint256 start = seed % n;
        for (uint256 i; i < n; ++i) {
            id = 1 + (start + i) % n;
            if (pred(id)) return (id, true);
        }
        return (0, false);
    }

    /// @dev Stake free for one more lease: unlocked in Staking, plus what the market holds locked
    ///      beyond its open leases' needs.
    ///      What the market holds counts only as far as Staking still locks it (a slash may cut
    ///      Staking's lock below the market's record).
    function _freeStake(address provider) private view returns (uint256 free) {
        uint256 stakingLocked = staking.lockedOf(provider, PROVIDER_ROLE);
        free = staking.stakeOf(provider, PROVIDER_ROLE) - stakingLocked;
        (uint256 open, uint256 locked) = market.providerStake(provider);
        if (locked > stakingLocked) locked = stakingLocked;
        uint256 need = open * params.minProviderStake();
        if (locked > need) free += locked - need;
    }

    /// @dev Whether `provider` may bid, or win a lease (acceptBid): minProviderStake free.
    function _canWin(address provider) private view returns (bool) {
        return _freeStake(provider) >= params.minProviderStake();
    }

    /// @dev An eligible provider with free stake that may bid on `id` (one order per group).
    function _bidder(uint256 id, uint256 seed) private view returns (address, bool) {
        uint256 groupId = market.getOrder(id).group;
        uint256 n = _providers.length;
        for (uint256 i; i < n; ++i) {
            address p = _providers[(seed % n + i) % n];
            if (groupId != 0) {
                uint256 pick = _groupPick[groupId][p];
                if (pick != 0 && pick != id + 1) continue;
            }
            if (registry.isEligible(p) && _canWin(p)) return (p, true);
        }
        return (address(0), false);
    }

    function _missSlash() private view returns (uint256) {
        return params.minProviderStake() * params.missedDeadlineSlashBps() / BPS;
    }

    function _stakeOf(address provider) private view returns (uint256) {
        return staking.stakeOf(provider, PROVIDER_ROLE) + staking.unbondingOf(provider, PROVIDER_ROLE);
    }

    function _balanceOf(address account) private view returns (uint256) {
        return market.balanceOf(account, address(token));
    }

    function _resultHash(uint256 id) private pure returns (bytes32) {
        return keccak256(abi.encode("result", id));
    }

    function _salt(uint256 id) private pure returns (bytes32) {
        return keccak256(abi.encode("salt", id));
    }

    function _tenant(uint256 seed) private view returns (address) {
        return _tenants[seed % _tenants.length];
    }

    function _keyOf(address provider) private view returns (uint256) {
        for (uint256 i; i < _providers.length; ++i) {
            if (_providers[i] == provider) return _providerKeys[i];
        }
        revert("unknown provider");
    }

    function _minOrderDeposit() private view returns (uint256) {
        return params.paymentToken(address(token)).minOrderDeposit;
    }

    /// @dev A lease not yet ended.
    function _running(IComputeMarket.LeaseState state) private pure returns (bool) {
        return state == IComputeMarket.LeaseState.Active || state == IComputeMarket.LeaseState.ResultSubmitted
            || state == IComputeMarket.LeaseState.Disputed || state == IComputeMarket.LeaseState.Committed;
    }

    // ---- predicates

    function _isOpen(uint256 id) private view returns (bool) {
        return market.getOrder(id).state == IComputeMarket.OrderState.Open;
    }

    function _isLeased(uint256 id) private view returns (bool) {
        return market.getOrder(id).state == IComputeMarket.OrderState.Leased;
    }

    function _isOpenGrouped(uint256 id) private view returns (bool) {
        return _isOpen(id) && market.getOrder(id).group != 0;
    }

    function _isOpenForBids(uint256 id) private view returns (bool) {
        IComputeMarket.Order memory o = market.getOrder(id);
        return o.state == IComputeMarket.OrderState.Open && block.timestamp < o.bidDeadline
            && (o.bestBidder == address(0) || o.bestPricePerSecond > 1);
    }

    /// @dev An open order whose best bidder can still take the lease.
    function _hasUsableBid(uint256 id) private view returns (bool) {
        IComputeMarket.Order memory o = market.getOrder(id);
        return o.state == IComputeMarket.OrderState.Open && o.bestBidder != address(0) && _canWin(o.bestBidder);
    }

    function _isBatchOrderWithBid(uint256 id) private view returns (bool) {
        IComputeMarket.Order memory o = market.getOrder(id);
        return o.jobTimeout != 0 && o.group == 0 && _hasUsableBid(id);
    }

    function _isGroupedOrderWithBid(uint256 id) private view returns (bool) {
        return market.getOrder(id).group != 0 && _hasUsableBid(id);
    }

    function _leaseIn(uint256 id, IComputeMarket.LeaseState state) private view returns (bool) {
        return ghost_hasLease[id] && market.getLease(id).state == state;
    }

    function _isActiveLease(uint256 id) private view returns (bool) {
        return _leaseIn(id, IComputeMarket.LeaseState.Active);
    }

    /// @dev An open order, or an active service lease whose escrow has not run out.
    function _canTopUp(uint256 id) private view returns (bool) {
        if (_isOpen(id)) return true;
        if (!_isActiveLease(id) || market.getLease(id).deadline != 0) return false;
        (, uint256 escrowLeft) = market.pendingSettlement(id);
        return escrowLeft > 0;
    }

    function _isBatchActive(uint256 id) private view returns (bool) {
        return _isActiveLease(id) && market.getLease(id).deadline != 0;
    }

    /// @dev An ungrouped batch lease in time (grouped ones commit and reveal instead).
    function _isBatchInTime(uint256 id) private view returns (bool) {
        return _isBatchActive(id) && block.timestamp <= market.getLease(id).deadline && market.getOrder(id).group == 0;
    }

    function _isGroupedInTime(uint256 id) private view returns (bool) {
        return _isBatchActive(id) && block.timestamp <= market.getLease(id).deadline && market.getOrder(id).group != 0;
    }

    function _isCommitted(uint256 id) private view returns (bool) {
        return _leaseIn(id, IComputeMarket.LeaseState.Committed);
    }

    function _isRevealable(uint256 id) private view returns (bool) {
        if (!_isCommitted(id)) return false;
        uint64 revealEndsAt = market.getGroup(market.getOrder(id).group).revealEndsAt;
        return revealEndsAt != 0 && block.timestamp <= revealEndsAt;
    }

    function _isSubmitted(uint256 id) private view returns (bool) {
        return _leaseIn(id, IComputeMarket.LeaseState.ResultSubmitted);
    }

    function _isSubmittedInWindow(uint256 id) private view returns (bool) {
        return _isSubmitted(id) && block.timestamp < market.getLease(id).disputeEndsAt;
    }

    function _isDisputed(uint256 id) private view returns (bool) {
        return _leaseIn(id, IComputeMarket.LeaseState.Disputed);
    }
}
