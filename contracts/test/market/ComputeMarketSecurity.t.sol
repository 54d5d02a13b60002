// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {IStaking} from "../../src/staking/IStaking.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

/// @dev An ERC-20 whose owner can block accounts (as USDC/USDT can): a transfer to a blocked
///      account reverts. Only used to show that no bidder can block the tenant's escrow.
contract BlocklistToken is ERC20 {
    mapping(address => bool) public blocked;

    constructor() ERC20("Blocklist USD", "BUSD") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocked(address who, bool value) external {
        blocked[who] = value;
    }

    function _update(address from, address to, uint256 value) internal override {
        require(!blocked[to] && !blocked[from], "blocked");
        super._update(from, to, value);
    }
}

/// @notice Regression tests for the security review of issue 9, one or more per finding. Each was
///         written against the code before the fix and failed there.
contract ComputeMarketSecurityTest is MarketFixture {
    uint256 internal constant PRICE = 5e14;

    // ------------------------------------------------------------ finding 1 (batch pricing)

    /// @dev A result handed in at 10% of the timeout and one handed in one second before the
    ///      deadline are paid the same: the job's price, fixed when the lease started.
    function test_finding1_lateResultEarnsNoMore() public {
        uint256 early = _batchLease(PRICE);
        uint256 late = _batchLease(PRICE);
        skip(JOB_TIMEOUT / 10);
        _submit(early);
        skip(JOB_TIMEOUT - JOB_TIMEOUT / 10 - 1);
        _submit(late);
        vm.startPrank(tenant);
        market.acceptResult(early);
        market.acceptResult(late);
        vm.stopPrank();
        assertEq(market.getLease(early).paid, PRICE * JOB_TIMEOUT, "early paid the job price");
        assertEq(market.getLease(late).paid, market.getLease(early).paid, "late earns no more than early");
    }

    /// @dev What the views report is what the lease pays: the job price is held from the start and
    ///      nothing more accrues with time.
    function test_finding1_viewsReportFixedJobPrice() public {
        uint256 id = _batchLease(PRICE);
        assertEq(market.getLease(id).held, PRICE * JOB_TIMEOUT, "job price held at start");
        assertEq(market.getOrder(id).escrow, DEPOSIT - PRICE * JOB_TIMEOUT);
        skip(JOB_TIMEOUT / 2);
        (uint256 accrued, uint256 escrowLeft) = market.pendingSettlement(id);
        assertEq(accrued, 0, "a batch lease accrues nothing by time");
        assertEq(escrowLeft, DEPOSIT - PRICE * JOB_TIMEOUT);
    }

    // ------------------------------------------------------------ finding 3 (bid slots)

    /// @dev maxBids Sybils bid and cancel: the slots come back, each Sybil paid a forfeit to the
    ///      tenant's escrow, none can bid again, and honest providers still bid.
    function test_finding3_canceledBidFreesSlot() public {
        uint256 orderId = _openServiceOrder();
        uint256 escrowBefore = market.getOrder(orderId).escrow;
        for (uint256 i; i < MAX_BIDS; ++i) {
            address sybil = makeAddr(string.concat("sybil", vm.toString(i)));
            _registerProvider(sybil, _attrs1("region", "eu"));
            uint256 idx = _bid(sybil, orderId, PRICE);
            vm.prank(sybil);
            market.cancelBid(orderId, idx);
            vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketDuplicateBid.selector, orderId, sybil));
            _bid(sybil, orderId, PRICE);
        }
        assertEq(market.getOrder(orderId).bidCount, 0, "canceled bids free their slots");
        _bid(provider1, orderId, PRICE);
        _bid(provider2, orderId, PRICE);
        _bid(provider3, orderId, PRICE);
        assertEq(market.getOrder(orderId).bidCount, 3);
        uint256 forfeit = BID_DEPOSIT * market.CANCEL_FORFEIT_BPS() / BPS;
        assertGt(forfeit, 0, "cancelling is not free");
        assertEq(market.getOrder(orderId).escrow, escrowBefore + MAX_BIDS * forfeit, "forfeits go to the tenant");
    }

    /// @dev The bid list is bounded: Sybils cannot grow the loops in closeAuction/acceptBid.
    function test_finding3_bidListBounded() public {
        uint256 orderId = _openServiceOrder();
        uint256 cap = uint256(MAX_BIDS) * market.BID_LIST_FACTOR();
        for (uint256 i; i < cap; ++i) {
            address sybil = makeAddr(string.concat("sybil", vm.toString(i)));
            _registerProvider(sybil, _attrs1("region", "eu"));
            uint256 idx = _bid(sybil, orderId, PRICE);
            vm.prank(sybil);
            market.cancelBid(orderId, idx);
        }
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketBidListFull.selector, orderId, cap));
        _bid(provider1, orderId, PRICE);
    }

    // ------------------------------------------------------------ finding 4 (provider gives up)

    /// @dev Giving a job up one second before the deadline costs nearly what missing it costs.
    function test_finding4_lateGiveUpIsPenalized() public {
        uint256 id = _batchLease(PRICE);
        uint256 stakeBefore = staking.stakeOf(provider1, PROVIDER_ROLE);
        uint256 tenantBefore = token.balanceOf(tenant);
        skip(JOB_TIMEOUT - 1);
        vm.prank(provider1);
        market.closeLease(id);
        uint256 fullSlash = PROVIDER_STAKE * params.missedDeadlineSlashBps() / BPS;
        uint256 expectedSlash = fullSlash * (JOB_TIMEOUT - 1) / JOB_TIMEOUT;
        uint256 forfeit = BID_DEPOSIT * (JOB_TIMEOUT - 1) / JOB_TIMEOUT;
        assertEq(stakeBefore - staking.stakeOf(provider1, PROVIDER_ROLE), expectedSlash, "stake slashed pro rata");
        assertEq(market.earnings(provider1, address(token)), BID_DEPOSIT - forfeit, "bid deposit forfeited pro rata");
        assertEq(token.balanceOf(tenant) - tenantBefore, DEPOSIT + forfeit, "tenant: escrow back + forfeit");
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), 0, "lock released");
    }

    /// @dev Giving up right away is nearly free.
    function test_finding4_earlyGiveUpIsCheap() public {
        uint256 id = _batchLease(PRICE);
        skip(JOB_TIMEOUT / 100);
        vm.prank(provider1);
        market.closeLease(id);
        assertEq(
            PROVIDER_STAKE - staking.stakeOf(provider1, PROVIDER_ROLE),
            PROVIDER_STAKE * params.missedDeadlineSlashBps() / BPS / 100
        );
        assertEq(market.earnings(provider1, address(token)), BID_DEPOSIT - BID_DEPOSIT / 100);
    }

    // ------------------------------------------------------------ finding 5 (stake lock)

    /// @dev Stake backing an open lease cannot be unstaked; once the lease ends it can.
    function test_finding5_stakeLockedWhileLeaseOpen() public {
        uint256 id = _batchLease(PRICE);
        uint256 locked = PROVIDER_STAKE * params.missedDeadlineSlashBps() / BPS;
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), locked);
        vm.prank(provider1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStaking.StakingInsufficientUnlockedStake.selector,
                provider1,
                PROVIDER_ROLE,
                PROVIDER_STAKE,
                PROVIDER_STAKE - locked
            )
        );
        staking.requestUnstake(PROVIDER_ROLE, PROVIDER_STAKE);
        // It can unstake what is not locked, and the missed deadline still slashes the locked part.
        vm.prank(provider1);
        staking.requestUnstake(PROVIDER_ROLE, PROVIDER_STAKE - locked);
        skip(params.unbondingPeriod() + 1);
        vm.prank(provider1);
        staking.withdraw(PROVIDER_ROLE);
        vm.prank(keeper);
        market.expireLease(id);
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), 0, "the locked stake was slashed");
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), 0);
    }

    // ------------------------------------------------------------ finding 7 (self-report)

    function test_finding7_selfReportEarnsNoReward() public {
        uint256 id = _batchLease(PRICE);
        skip(JOB_TIMEOUT + 1);
        uint256 slash = PROVIDER_STAKE * params.missedDeadlineSlashBps() / BPS;
        uint256 providerBefore = token.balanceOf(provider1);
        uint256 treasuryBefore = token.balanceOf(treasury);
        vm.prank(provider1);
        market.expireLease(id);
        assertEq(token.balanceOf(provider1), providerBefore, "no reporter share to the slashed provider");
        assertEq(token.balanceOf(treasury) - treasuryBefore, slash, "all of the slash to the treasury");
    }

    // ------------------------------------------------------------ finding 8 (pull refunds)

    /// @dev A bidder blocked by the token cannot stop the tenant from accepting another bid or
    ///      cancelling: losing deposits are credited and withdrawn by their owners.
    function test_finding8_blockedBidderCannotLockEscrow() public {
        BlocklistToken busd = new BlocklistToken();
        vm.prank(owner);
        params.setPaymentToken(address(busd), true, MIN_ORDER_DEPOSIT, MIN_BID_DEPOSIT);
        address[3] memory who = [tenant, provider1, provider2];
        for (uint256 i; i < who.length; ++i) {
            busd.mint(who[i], 1_000 ether);
            vm.prank(who[i]);
            busd.approve(address(market), type(uint256).max);
        }
        IComputeMarket.OrderParams memory p = _serviceParams();
        p.token = address(busd);
        uint256 a = _createOrder(tenant, p);
        uint256 b = _createOrder(tenant, p);
        uint256 winner = _bid(provider1, a, PRICE);
        _bid(provider2, a, PRICE);
        _bid(provider2, b, PRICE);
        busd.setBlocked(provider2, true);

        _accept(a, winner); // would revert if provider2's deposit were pushed
        vm.prank(tenant);
        market.cancelOrder(b);
        assertEq(market.earnings(provider2, address(busd)), 2 * BID_DEPOSIT, "both deposits credited");

        busd.setBlocked(provider2, false);
        vm.prank(provider2);
        market.withdraw(address(busd));
        assertEq(busd.balanceOf(provider2), 1_000 ether, "provider2 pulled its deposits");
    }

    /// @dev The winning deposit is credited too when the lease ends, never pushed.
    function test_finding8_winningDepositCreditedAtLeaseEnd() public {
        uint256 id = _batchLease(PRICE);
        uint256 before = token.balanceOf(provider1);
        _submit(id);
        vm.prank(tenant);
        market.acceptResult(id);
        assertEq(token.balanceOf(provider1), before, "nothing pushed");
        assertEq(
            market.earnings(provider1, address(token)),
            _net(PRICE * JOB_TIMEOUT, params.takeRateBps()) + BID_DEPOSIT,
            "pay and deposit credited"
        );
    }
}
