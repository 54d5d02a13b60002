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
///         Ghost totals record money in (from call arguments) and money out (from recipients'
///         balance changes), so the invariants can check them against the market's own books.
contract MarketHandler is CommonBase, StdCheats, StdUtils {
    uint16 internal constant BPS = 10_000;
    uint256 internal constant MAX_DEPOSIT = 100 ether;
    uint256 internal constant MAX_TOP_UP = 20 ether;
    uint256 internal constant MAX_BID_DEPOSIT = 20 ether;
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

    // ---- ghosts: money in
    uint256 public ghost_orderDeposits;
    uint256 public ghost_topUps;
    uint256 public ghost_bidDeposits;
    // ---- ghosts: money out
    uint256 public ghost_withdrawn;
    uint256 public ghost_tenantRefunds;
    uint256 public ghost_bidRefunds;
    uint256 public ghost_feesSwept;
    // ---- ghosts: bookkeeping
    /// @dev Sum over releases of floor(gross * lease take rate / BPS), plus forfeited bid deposits.
    uint256 public ghost_expectedFees;
    /// @dev Everything deposited for an order: the opening deposit plus top-ups.
    mapping(uint256 orderId => uint256) public ghost_funded;
    uint256 public ghost_unexpectedReverts;
    /// @dev Unstake requests above the unlocked stake that succeeded (must stay 0).
    uint256 public ghost_lockBreaches;
    /// @dev Provider tokens moved into staking by `restake` (they leave the providers' balances).
    uint256 public ghost_restaked;
    bytes32 internal constant PROVIDER_ROLE = keccak256("PROVIDER");
    string public ghost_lastRevertCall;
    bytes public ghost_lastRevertData;
    mapping(string name => uint256) public calls;

    struct Snap {
        uint256 tenants;
        uint256 providers;
        uint256 treasury;
        uint256 staking;
        uint256 paid;
        uint16 rate;
        IComputeMarket.LeaseState state;
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

    // ================================================================ orders

    function createServiceOrder(uint256 tenantSeed, uint256 depositSeed, uint256 lifetimeSeed, uint256 windowSeed)
        external
    {
        uint256 amount = bound(depositSeed, _minOrderDeposit(), MAX_DEPOSIT);
        // Escrow for one minute to one day at the max price; bids are at or below it.
        uint256 maxPrice = amount / bound(lifetimeSeed, 60, 1 days);
        _createOrder(_tenant(tenantSeed), amount, maxPrice, windowSeed, 0);
    }

    function createBatchOrder(uint256 tenantSeed, uint256 depositSeed, uint256 timeoutSeed, uint256 windowSeed)
        external
    {
        uint256 amount = bound(depositSeed, _minOrderDeposit(), MAX_DEPOSIT);
        uint32 jobTimeout = uint32(bound(timeoutSeed, 10 minutes, 2 days));
        _createOrder(_tenant(tenantSeed), amount, amount / jobTimeout, windowSeed, jobTimeout);
    }

    /// @dev A replica group of 2 or 3 batch orders (finding 2).
    function createOrderGroup(uint256 tenantSeed, uint256 depositSeed, uint256 timeoutSeed, uint256 windowSeed)
        external
    {
        uint256 amount = bound(depositSeed, _minOrderDeposit(), MAX_DEPOSIT);
        uint32 jobTimeout = uint32(bound(timeoutSeed, 10 minutes, 2 days));
        uint256 replicas = bound(windowSeed >> 64, 2, 3);
        IComputeMarket.OrderParams memory p =
            _orderParams(_tenant(tenantSeed), amount, amount / jobTimeout, windowSeed, jobTimeout);
        vm.prank(_tenant(tenantSeed));
        try market.createOrderGroup(p, replicas) returns (uint256 groupId) {
            ghost_orderDeposits += amount * replicas;
            for (uint256 i; i < replicas; ++i) {
                ghost_funded[groupId + i] = amount;
            }
            ++calls["createOrderGroup"];
        } catch (bytes memory err) {
            _unexpected("createOrderGroup", err);
        }
    }

    function deposit(uint256 orderSeed, uint256 amountSeed, uint256 fromSeed) external {
        (uint256 id, bool found) = _find(orderSeed, _canTopUp);
        if (!found) return;
        uint256 amount = bound(amountSeed, 1, MAX_TOP_UP);
        address from = _tenant(fromSeed); // anyone may top up; tenants have the funds
        Snap memory s = _snap(_isLeased(id) ? id : 0);
        vm.prank(from);
        try market.deposit(id, amount) {
            ghost_topUps += amount;
            ghost_funded[id] += amount;
            _accountFees(s, _isLeased(id) ? id : 0);
            ++calls["deposit"];
        } catch (bytes memory err) {
            _unexpected("deposit", err);
        }
    }

    function cancelOrder(uint256 orderSeed) external {
        (uint256 id, bool found) = _find(orderSeed, _isOpen);
        if (!found) return;
        address tenant = market.getOrder(id).tenant;
        Snap memory s = _snap(0);
        vm.prank(tenant);
        try market.cancelOrder(id) {
            _accountRefunds(s, false);
            ++calls["cancelOrder"];
        } catch (bytes memory err) {
            _unexpected("cancelOrder", err);
        }
    }

    // ================================================================ bids

    function createBid(uint256 orderSeed, uint256 providerSeed, uint256 priceSeed, uint256 depositSeed) external {
        _createBid(orderSeed, providerSeed, priceSeed, depositSeed);
    }

    function cancelBid(uint256 orderSeed, uint256 bidSeed) external {
        (uint256 id, bool found) = _find(orderSeed, _hasOpenBid);
        if (!found) return;
        uint256 bidIndex = _openBid(id, bidSeed);
        IComputeMarket.Bid memory bid = market.getBid(id, bidIndex);
        Snap memory s = _snap(0);
        vm.prank(bid.provider);
        try market.cancelBid(id, bidIndex) {
            // The cancel forfeit joins the tenant's escrow (finding 3).
            ghost_funded[id] += bid.deposit * market.CANCEL_FORFEIT_BPS() / BPS;
            _accountRefunds(s, false);
            ++calls["cancelBid"];
        } catch (bytes memory err) {
            _unexpected("cancelBid", err);
        }
    }

    /// @dev With no open bid anywhere, places one first so that leases keep forming.
    function acceptBid(uint256 orderSeed, uint256 bidSeed) external {
        _acceptBid(orderSeed, bidSeed);
    }

    /// @dev Waits out the bid window when needed (time passes for every lease).
    function closeAuction(uint256 orderSeed, uint256 bidSeed) external {
        (uint256 id, bool found) = _findOrBid(orderSeed, bidSeed);
        if (!found) return;
        uint64 bidDeadline = market.getOrder(id).bidDeadline;
        if (block.timestamp < bidDeadline) vm.warp(bidDeadline);
        Snap memory s = _snap(0);
        vm.prank(keeper);
        try market.closeAuction(id) {
            _accountRefunds(s, false);
            ++calls["closeAuction"];
        } catch (bytes memory err) {
            _unexpected("closeAuction", err);
        }
    }

    // ================================================================ leases

    function settle(uint256 leaseSeed) external {
        (uint256 id, bool found) = _find(leaseSeed, _isActiveLease);
        if (!found) return;
        Snap memory s = _snap(id);
        vm.prank(keeper);
        try market.settle(id) {
            _accountRefunds(s, false);
            _accountFees(s, id);
            ++calls["settle"];
        } catch (bytes memory err) {
            _unexpected("settle", err);
        }
    }

    function closeLease(uint256 leaseSeed, bool byProvider) external {
        (uint256 id, bool found) = _find(leaseSeed, _isActiveLease);
        if (!found) return;
        IComputeMarket.Lease memory l = market.getLease(id);
        // Past a batch deadline only the tenant may close (the provider's miss is for expireLease).
        if (l.deadline != 0 && block.timestamp > l.deadline) byProvider = false;
        Snap memory s = _snap(id);
        vm.prank(byProvider ? l.provider : l.tenant);
        try market.closeLease(id) {
            _accountRefunds(s, false);
            _accountFees(s, id);
            ++calls["closeLease"];
        } catch (bytes memory err) {
            _unexpected("closeLease", err);
        }
    }

    function submitResult(uint256 leaseSeed, bool viaReceipt) external {
        _submitResult(leaseSeed, viaReceipt);
    }

    /// @dev The provider of a grouped lease in time commits to its (deterministic) result.
    function commitResult(uint256 leaseSeed) external {
        (uint256 id, bool found) = _find(leaseSeed, _isGroupedInTime);
        if (!found) {
            // None yet: lease a replica first.
            (uint256 orderId, bool open) = _find(leaseSeed, _isGroupedOrderWithBid);
            if (!open || !_acceptOn(orderId, leaseSeed)) return;
            id = orderId;
        }
        _commit(id);
    }

    function _commit(uint256 id) private {
        address provider = market.getLease(id).provider;
        bytes32 c = market.resultCommitment(id, _resultHash(id), RESULT_CID, _salt(id), provider);
        vm.prank(provider);
        try market.commitResult(id, c) {
            ++calls["commitResult"];
        } catch (bytes memory err) {
            _unexpected("commitResult", err);
        }
    }

    /// @dev A committed lease reveals while its group's reveal window is open.
    function revealResult(uint256 leaseSeed) external {
        (uint256 id, bool found) = _find(leaseSeed, _isRevealable);
        if (!found) {
            // None yet: settle the rest of a group with a committed replica (commit the leases in
            // time, cancel the orders still open) so that its reveal opens.
            (id, found) = _find(leaseSeed, _isCommitted);
            if (!found || !_settleGroup(market.getOrder(id).group)) return;
            if (!_isRevealable(id)) return;
        }
        address provider = market.getLease(id).provider;
        vm.prank(provider);
        try market.revealResult(id, RESULT_CID, _resultHash(id), _salt(id), "") {
            ++calls["revealResult"];
        } catch (bytes memory err) {
            _unexpected("revealResult", err);
        }
    }

    /// @return open Whether every order of the group has committed or ended now.
    function _settleGroup(uint256 groupId) private returns (bool open) {
        uint256 size = market.getGroup(groupId).size;
        for (uint256 j = groupId; j < groupId + size; ++j) {
            if (_isOpen(j)) {
                Snap memory s = _snap(0);
                vm.prank(market.getOrder(j).tenant);
                try market.cancelOrder(j) {
                    _accountRefunds(s, false);
                    ++calls["cancelOrder"];
                } catch (bytes memory err) {
                    _unexpected("cancelOrder", err);
                }
            } else if (_isGroupedInTime(j)) {
                _commit(j);
            }
        }
        return market.getGroup(groupId).revealEndsAt != 0;
    }

    /// @dev A committed lease whose group's reveal window is over fails (RevealMissed).
    function expireUnrevealed(uint256 leaseSeed) external {
        (uint256 id, bool found) = _find(leaseSeed, _isCommitted);
        if (!found) return;
        uint64 revealEndsAt = market.getGroup(market.getOrder(id).group).revealEndsAt;
        if (revealEndsAt == 0) return; // some replica has not settled yet
        if (block.timestamp <= revealEndsAt) vm.warp(uint256(revealEndsAt) + 1);
        Snap memory s = _snap(id);
        vm.prank(keeper);
        try market.expireLease(id) {
            _accountRefunds(s, false);
            _accountFees(s, id);
            ++calls["expireUnrevealed"];
        } catch (bytes memory err) {
            _unexpected("expireUnrevealed", err);
        }
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
        Snap memory s = _snap(id);
        vm.prank(byTenant ? l.tenant : keeper);
        try market.acceptResult(id) {
            _accountRefunds(s, false);
            _accountFees(s, id);
            ++calls["acceptResult"];
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
        address arbiter = params.arbiter();
        Snap memory s = _snap(id);
        vm.prank(arbiter);
        try market.resolveDispute(id, providerWins) {
            _accountRefunds(s, !providerWins); // a losing provider's slash rewards the tenant as reporter
            _accountFees(s, id);
            ++calls[providerWins ? "resolveDispute(provider)" : "resolveDispute(tenant)"];
        } catch (bytes memory err) {
            _unexpected("resolveDispute", err);
        }
    }

    /// @dev Waits out the deadline when needed.
    function expireLease(uint256 leaseSeed) external {
        (uint256 id, bool found) = _find(leaseSeed, _isBatchActive);
        if (!found) return;
        uint64 deadline = market.getLease(id).deadline;
        if (block.timestamp <= deadline) vm.warp(uint256(deadline) + 1);
        Snap memory s = _snap(id);
        vm.prank(keeper);
        try market.expireLease(id) {
            _accountRefunds(s, false); // the reporter is the keeper, not a tenant
            _accountFees(s, id);
            ++calls["expireLease"];
        } catch (bytes memory err) {
            _unexpected("expireLease", err);
        }
    }

    // ================================================================ staking

    /// @dev A provider unstakes all its unlocked stake (must succeed), after checking that one wei
    ///      more is refused while a lease locks part of it (finding 5).
    function requestUnstake(uint256 providerSeed, uint256 amountSeed) external {
        address provider = _providers[providerSeed % _providers.length];
        uint256 staked = staking.stakeOf(provider, PROVIDER_ROLE);
        uint256 locked = staking.lockedOf(provider, PROVIDER_ROLE);
        uint256 free = staked - locked;
        if (locked > 0) {
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

    /// @dev Tops a provider's stake back up, so that bidding goes on after unstakes and slashes.
    function restake(uint256 providerSeed, uint256 amountSeed) external {
        address provider = _providers[providerSeed % _providers.length];
        uint256 amount = bound(amountSeed, 1 ether, 500 ether);
        if (token.balanceOf(provider) < amount) return;
        vm.prank(provider);
        try staking.stake(PROVIDER_ROLE, amount) {
            ghost_restaked += amount;
            ++calls["restake"];
        } catch (bytes memory err) {
            _unexpected("restake", err);
        }
    }

    // ================================================================ payouts

    function withdraw(uint256 providerSeed) external {
        uint256 n = _providers.length;
        for (uint256 i; i < n; ++i) {
            address provider = _providers[(providerSeed % n + i) % n];
            if (market.earnings(provider, address(token)) == 0) continue;
            uint256 before = token.balanceOf(provider);
            vm.prank(provider);
            try market.withdraw(address(token)) returns (uint256) {
                ghost_withdrawn += token.balanceOf(provider) - before;
                ++calls["withdraw"];
            } catch (bytes memory err) {
                _unexpected("withdraw", err);
            }
            return;
        }
    }

    function sweepFees() external {
        if (market.accruedFees(address(token)) == 0) return;
        address treasury = params.treasury();
        uint256 before = token.balanceOf(treasury);
        vm.prank(keeper);
        try market.sweepFees(address(token)) returns (uint256) {
            ghost_feesSwept += token.balanceOf(treasury) - before;
            ++calls["sweepFees"];
        } catch (bytes memory err) {
            _unexpected("sweepFees", err);
        }
    }

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
        return ghost_orderDeposits + ghost_topUps + ghost_bidDeposits;
    }

    function totalOut() external view returns (uint256) {
        return ghost_withdrawn + ghost_tenantRefunds + ghost_bidRefunds + ghost_feesSwept;
    }

    // ================================================================ internals: calls

    function _createOrder(address tenant, uint256 amount, uint256 maxPrice, uint256 windowSeed, uint32 jobTimeout)
        private
    {
        IComputeMarket.OrderParams memory p = _orderParams(tenant, amount, maxPrice, windowSeed, jobTimeout);
        vm.prank(tenant);
        try market.createOrder(p) returns (uint256 id) {
            ghost_orderDeposits += amount;
            ghost_funded[id] = amount;
            ++calls[jobTimeout == 0 ? "createOrder(service)" : "createOrder(batch)"];
        } catch (bytes memory err) {
            _unexpected("createOrder", err);
        }
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
        p.maxBids = uint16(bound(windowSeed >> 32, 1, 4));
        p.jobTimeout = jobTimeout;
    }

    /// @return placed Whether a bid was placed.
    function _createBid(uint256 orderSeed, uint256 providerSeed, uint256 priceSeed, uint256 depositSeed)
        private
        returns (bool placed)
    {
        (uint256 id, bool found) = _find(orderSeed, _isOpenForBids);
        if (!found) return false;
        (address provider, bool ok) = _freshBidder(id, providerSeed);
        if (!ok) return false;
        uint256 price = bound(priceSeed, 1, market.getOrder(id).maxPricePerSecond);
        uint256 amount = bound(depositSeed, _minBidDeposit(), MAX_BID_DEPOSIT);
        vm.prank(provider);
        try market.createBid(id, price, amount) {
            ghost_bidDeposits += amount;
            ++calls["createBid"];
            return true;
        } catch (bytes memory err) {
            _unexpected("createBid", err);
        }
    }

    /// @dev An order with an open bid; with none, places a bid first.
    function _findOrBid(uint256 orderSeed, uint256 bidSeed) private returns (uint256 id, bool found) {
        (id, found) = _find(orderSeed, _hasOpenBid);
        if (found) return (id, true);
        if (!_createBid(orderSeed, bidSeed, bidSeed >> 64, bidSeed >> 128)) return (0, false);
        return _find(orderSeed, _hasOpenBid);
    }

    function _acceptBid(uint256 orderSeed, uint256 bidSeed) private returns (bool) {
        (uint256 id, bool found) = _findOrBid(orderSeed, bidSeed);
        return found && _acceptOn(id, bidSeed);
    }

    /// @dev Submits for a batch lease still in time; with none, tries to lease a batch order first.
    function _submitResult(uint256 leaseSeed, bool viaReceipt) private returns (bool submitted) {
        (uint256 id, bool found) = _find(leaseSeed, _isBatchInTime);
        if (!found) {
            (uint256 orderId, bool open) = _find(leaseSeed, _isBatchOrderWithBid);
            if (!open || !_acceptOn(orderId, leaseSeed)) return false;
            (id, found) = (orderId, true);
        }
        bytes32 resultHash = _resultHash(id);
        address provider = market.getLease(id).provider;
        bytes memory receipt;
        if (viaReceipt) {
            (uint8 v, bytes32 r, bytes32 sig) =
                vm.sign(_keyOf(provider), market.receiptDigest(id, resultHash, RESULT_CID));
            receipt = abi.encodePacked(r, sig, v);
        }
        Snap memory s = _snap(id);
        vm.prank(viaReceipt ? keeper : provider);
        try market.submitResult(id, RESULT_CID, resultHash, receipt) {
            _accountFees(s, id);
            ++calls[viaReceipt ? "submitResult(receipt)" : "submitResult"];
            return true;
        } catch (bytes memory err) {
            _unexpected("submitResult", err);
        }
    }

    function _acceptOn(uint256 id, uint256 bidSeed) private returns (bool accepted) {
        uint256 bidIndex = _openBid(id, bidSeed);
        address tenant = market.getOrder(id).tenant;
        Snap memory s = _snap(0);
        vm.prank(tenant);
        try market.acceptBid(id, bidIndex) {
            _accountRefunds(s, false);
            ++calls["acceptBid"];
            return true;
        } catch (bytes memory err) {
            _unexpected("acceptBid", err);
        }
    }

    /// @dev Disputes a result in its window; with none, submits one first.
    function _disputeResult(uint256 leaseSeed) private returns (bool disputed) {
        (uint256 id, bool found) = _find(leaseSeed, _isSubmittedInWindow);
        if (!found) {
            if (!_submitResult(leaseSeed, leaseSeed & 1 == 1)) return false;
            (id, found) = _find(leaseSeed, _isSubmittedInWindow);
        }
        address tenant = market.getLease(id).tenant;
        vm.prank(tenant);
        try market.disputeResult(id) {
            ++calls["disputeResult"];
            return true;
        } catch (bytes memory err) {
            _unexpected("disputeResult", err);
        }
    }

    // ================================================================ internals: accounting

    function _snap(uint256 leaseId) private view returns (Snap memory s) {
        for (uint256 i; i < _tenants.length; ++i) {
            s.tenants += token.balanceOf(_tenants[i]);
        }
        for (uint256 i; i < _providers.length; ++i) {
            s.providers += token.balanceOf(_providers[i]);
        }
        s.treasury = token.balanceOf(params.treasury());
        s.staking = token.balanceOf(address(staking));
        if (leaseId != 0) {
            IComputeMarket.Lease memory l = market.getLease(leaseId);
            s.paid = l.paid;
            s.rate = l.takeRateBps;
            s.state = l.state;
        }
    }

    /// @dev Money that left the market in this call: to tenants (refunds) and to providers (bid
    ///      deposits; providers receive nothing else outside `withdraw`). When a tenant reported a
    ///      slash, its reporter reward came from staking, not from the market.
    function _accountRefunds(Snap memory s, bool tenantReported) private {
        Snap memory now_ = _snap(0);
        uint256 reward;
        if (tenantReported) reward = (s.staking - now_.staking) - (now_.treasury - s.treasury);
        ghost_tenantRefunds += now_.tenants - s.tenants - reward;
        ghost_bidRefunds += now_.providers - s.providers;
    }

    /// @dev A call releases at most once per lease, so its fee is floor(delta paid * rate / BPS);
    ///      a lease that failed in this call forfeited its bid deposit to the fees.
    function _accountFees(Snap memory s, uint256 leaseId) private {
        if (leaseId == 0) return;
        IComputeMarket.Lease memory l = market.getLease(leaseId);
        ghost_expectedFees += (l.paid - s.paid) * s.rate / BPS;
        if (l.state == IComputeMarket.LeaseState.Failed && s.state != IComputeMarket.LeaseState.Failed) {
            ghost_expectedFees += market.getBid(leaseId, l.bidIndex).deposit;
        }
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

    /// @dev An open bid whose provider can still back a lease (minProviderStake unlocked).
    function _openBid(uint256 id, uint256 seed) private view returns (uint256) {
        IComputeMarket.Bid[] memory bids = market.getBids(id);
        for (uint256 i; i < bids.length; ++i) {
            uint256 j = (seed % bids.length + i) % bids.length;
            if (bids[j].state == IComputeMarket.BidState.Open && _canWin(id, bids[j].provider)) return j;
        }
        revert("no open bid"); // callers check _hasOpenBid first
    }

    function _canWin(uint256 id, address provider) private view returns (bool) {
        return _hasFreeStake(provider) && !_inGroup(market.getOrder(id).group, provider);
    }

    function _hasFreeStake(address provider) private view returns (bool) {
        return staking.stakeOf(provider, PROVIDER_ROLE) - staking.lockedOf(provider, PROVIDER_ROLE)
            >= params.minProviderStake();
    }

    /// @dev An eligible provider that has not bid on `id` yet.
    function _freshBidder(uint256 id, uint256 seed) private view returns (address, bool) {
        IComputeMarket.Bid[] memory bids = market.getBids(id);
        uint256 n = _providers.length;
        for (uint256 i; i < n; ++i) {
            address p = _providers[(seed % n + i) % n];
            bool hasBid;
            for (uint256 j; j < bids.length && !hasBid; ++j) {
                hasBid = bids[j].provider == p;
            }
            if (!hasBid && registry.isEligible(p) && _hasFreeStake(p)) return (p, true);
        }
        return (address(0), false);
    }

    function _resultHash(uint256 id) private pure returns (bytes32) {
        return keccak256(abi.encode("result", id));
    }

    function _salt(uint256 id) private pure returns (bytes32) {
        return keccak256(abi.encode("salt", id));
    }

    /// @dev Whether `provider` holds (or held) a lease of `groupId` (it may win only one).
    function _inGroup(uint256 groupId, address provider) private view returns (bool) {
        if (groupId == 0) return false;
        uint256 size = market.getGroup(groupId).size;
        for (uint256 id = groupId; id < groupId + size; ++id) {
            if (market.getOrder(id).state == IComputeMarket.OrderState.Open) continue;
            IComputeMarket.Bid[] memory bids = market.getBids(id);
            for (uint256 i; i < bids.length; ++i) {
                if (bids[i].state == IComputeMarket.BidState.Won && bids[i].provider == provider) return true;
            }
        }
        return false;
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

    function _minBidDeposit() private view returns (uint256) {
        return params.paymentToken(address(token)).minBidDeposit;
    }

    // ---- predicates

    function _orderState(uint256 id) private view returns (IComputeMarket.OrderState) {
        return market.getOrder(id).state;
    }

    function _isOpen(uint256 id) private view returns (bool) {
        return _orderState(id) == IComputeMarket.OrderState.Open;
    }

    function _isLeased(uint256 id) private view returns (bool) {
        return _orderState(id) == IComputeMarket.OrderState.Leased;
    }

    function _isOpenForBids(uint256 id) private view returns (bool) {
        IComputeMarket.Order memory o = market.getOrder(id);
        return o.state == IComputeMarket.OrderState.Open && block.timestamp < o.bidDeadline && o.bidCount < o.maxBids
            && market.getBids(id).length < uint256(o.maxBids) * market.BID_LIST_FACTOR();
    }

    function _hasOpenBid(uint256 id) private view returns (bool) {
        if (!_isOpen(id)) return false;
        IComputeMarket.Bid[] memory bids = market.getBids(id);
        for (uint256 i; i < bids.length; ++i) {
            if (bids[i].state == IComputeMarket.BidState.Open && _canWin(id, bids[i].provider)) return true;
        }
        return false;
    }

    function _isBatchOrderWithBid(uint256 id) private view returns (bool) {
        return market.getOrder(id).jobTimeout != 0 && market.getOrder(id).group == 0 && _hasOpenBid(id);
    }

    function _leaseIn(uint256 id, IComputeMarket.LeaseState state) private view returns (bool) {
        return _isLeased(id) && market.getLease(id).state == state;
    }

    function _isActiveLease(uint256 id) private view returns (bool) {
        return _leaseIn(id, IComputeMarket.LeaseState.Active);
    }

    /// @dev An open order, or an active lease whose escrow has not run out (a top-up would revert).
    function _canTopUp(uint256 id) private view returns (bool) {
        if (_isOpen(id)) return true;
        if (!_isActiveLease(id)) return false;
        (, uint256 escrowLeft) = market.pendingSettlement(id);
        return market.getLease(id).deadline != 0 || escrowLeft > 0;
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

    function _isGroupedOrderWithBid(uint256 id) private view returns (bool) {
        return market.getOrder(id).group != 0 && _hasOpenBid(id);
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
