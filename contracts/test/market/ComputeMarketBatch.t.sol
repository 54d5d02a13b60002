// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IComputeMarket} from "../../src/market/IComputeMarket.sol";
import {MarketFixture} from "../utils/MarketFixture.sol";

/// @notice Batch jobs: submitResult (direct and by EIP-712 receipt), acceptResult, disputeResult,
///         resolveDispute, expireLease. Pay and refunds are credited to market balances.
contract ComputeMarketBatchTest is MarketFixture {
    uint256 internal constant PRICE = 5e14;
    uint256 internal constant WORKED = 1_200; // seconds before the result comes in
    /// @dev A batch job's price, fixed and held when the lease starts, paid whatever WORKED is.
    uint256 internal constant JOB_PRICE = PRICE * JOB_TIMEOUT;

    uint256 internal leaseId;
    uint64 internal deadline;

    function setUp() public override {
        super.setUp();
        leaseId = _batchLease(PRICE);
        deadline = market.getLease(leaseId).deadline;
    }

    // ------------------------------------------------------------ the lease

    function test_lease_holdsJobPriceInEscrow() public view {
        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(l.tenant, tenant);
        assertEq(l.provider, provider1);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.Active));
        assertEq(l.pricePerSecond, PRICE);
        assertEq(l.startedAt, START_TIME);
        assertEq(l.deadline, START_TIME + JOB_TIMEOUT);
        assertEq(l.held, JOB_PRICE);
        assertEq(l.takeRateBps, params.takeRateBps());
        // The escrow includes the held job price; no bid deposit, so the market holds the deposit only.
        assertEq(market.getOrder(leaseId).escrow, DEPOSIT);
        assertEq(token.balanceOf(address(market)), DEPOSIT);
        assertEq(_openLeases(provider1), 1);
        assertEq(_lockedByMarket(provider1), _minStake());
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), _minStake());
    }

    // ------------------------------------------------------------ submitResult

    function test_submitResult_byProviderHoldsJobPrice() public {
        skip(WORKED);
        uint64 disputeEndsAt = uint64(block.timestamp + params.disputeWindow());

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.ResultSubmitted(leaseId, provider1, RESULT_CID, RESULT_HASH, disputeEndsAt);
        vm.prank(provider1);
        market.submitResult(leaseId, RESULT_CID, RESULT_HASH, "");

        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.ResultSubmitted));
        assertEq(l.resultBlock, block.number); // ResultSubmitted (it carries the CID) is in this block
        assertEq(l.resultHash, RESULT_HASH);
        assertEq(l.disputeEndsAt, disputeEndsAt);
        assertEq(l.held, JOB_PRICE);
        assertEq(l.settledAt, l.startedAt); // a batch job does not accrue by time
        assertEq(market.getOrder(leaseId).escrow, DEPOSIT);
        assertEq(_balanceOf(provider1), 0);
        assertEq(token.balanceOf(address(market)), DEPOSIT);
    }

    function test_submitResult_byAnyoneWithReceipt() public {
        skip(WORKED);
        bytes memory receipt = _signReceipt(provider1Key, leaseId, RESULT_HASH, RESULT_CID);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.ResultSubmitted(
            leaseId, provider1, RESULT_CID, RESULT_HASH, uint64(block.timestamp + params.disputeWindow())
        );
        vm.prank(keeper);
        market.submitResult(leaseId, RESULT_CID, RESULT_HASH, receipt);
        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.ResultSubmitted));
        assertEq(l.held, JOB_PRICE);
    }

    function test_submitResult_providerIgnoresReceipt() public {
        vm.prank(provider1);
        market.submitResult(leaseId, RESULT_CID, RESULT_HASH, hex"deadbeef");
        assertEq(uint8(market.getLease(leaseId).state), uint8(IComputeMarket.LeaseState.ResultSubmitted));
    }

    function test_submitResult_atDeadline() public {
        vm.warp(deadline);
        _submit(leaseId);
        assertEq(uint8(market.getLease(leaseId).state), uint8(IComputeMarket.LeaseState.ResultSubmitted));
        assertEq(market.getLease(leaseId).held, JOB_PRICE);
    }

    function test_receiptDigest_isEIP712() public view {
        bytes32 domainSeparator = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("NoosphereComputeMarket"),
                keccak256("1"),
                block.chainid,
                address(market)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Receipt(uint256 leaseId,bytes32 resultHash,string resultCid)"),
                leaseId,
                RESULT_HASH,
                keccak256(bytes(RESULT_CID))
            )
        );
        assertEq(market.RECEIPT_TYPEHASH(), keccak256("Receipt(uint256 leaseId,bytes32 resultHash,string resultCid)"));
        assertEq(
            market.receiptDigest(leaseId, RESULT_HASH, RESULT_CID),
            keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash))
        );
    }

    function test_submitResult_revertsWhenReceiptSignedByAnotherKey() public {
        bytes memory receipt = _signReceipt(provider2Key, leaseId, RESULT_HASH, RESULT_CID);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidReceipt.selector, leaseId));
        vm.prank(keeper);
        market.submitResult(leaseId, RESULT_CID, RESULT_HASH, receipt);
    }

    function test_submitResult_revertsWhenReceiptForAnotherResult() public {
        bytes memory receipt = _signReceipt(provider1Key, leaseId, keccak256("other result"), RESULT_CID);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidReceipt.selector, leaseId));
        vm.prank(keeper);
        market.submitResult(leaseId, RESULT_CID, RESULT_HASH, receipt);

        receipt = _signReceipt(provider1Key, leaseId, RESULT_HASH, "bafkother");
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidReceipt.selector, leaseId));
        vm.prank(keeper);
        market.submitResult(leaseId, RESULT_CID, RESULT_HASH, receipt);
    }

    function test_submitResult_revertsWhenReceiptForAnotherLease() public {
        uint256 other = _batchLease(PRICE); // provider1 again
        assertEq(other, leaseId + 1);
        bytes memory receipt = _signReceipt(provider1Key, other, RESULT_HASH, RESULT_CID);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidReceipt.selector, leaseId));
        vm.prank(keeper);
        market.submitResult(leaseId, RESULT_CID, RESULT_HASH, receipt);
    }

    function test_submitResult_revertsWhenReceiptMalformed() public {
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidReceipt.selector, leaseId));
        vm.prank(keeper);
        market.submitResult(leaseId, RESULT_CID, RESULT_HASH, hex"0102030405");

        bytes memory receipt = _signReceipt(provider1Key, leaseId, RESULT_HASH, RESULT_CID);
        receipt[64] = bytes1(uint8(29)); // invalid v
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketInvalidReceipt.selector, leaseId));
        vm.prank(keeper);
        market.submitResult(leaseId, RESULT_CID, RESULT_HASH, receipt);
    }

    function test_submitResult_revertsWhenNotProviderWithoutReceipt() public {
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotProvider.selector, leaseId, tenant));
        vm.prank(tenant);
        market.submitResult(leaseId, RESULT_CID, RESULT_HASH, "");
    }

    function test_submitResult_revertsWhenServiceLease() public {
        uint256 service = _serviceLease(PRICE);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotBatchJob.selector, service));
        vm.prank(provider1);
        market.submitResult(service, RESULT_CID, RESULT_HASH, "");
    }

    function test_submitResult_revertsWhenDeadlinePassed() public {
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketDeadlinePassed.selector, leaseId, deadline));
        vm.prank(provider1);
        market.submitResult(leaseId, RESULT_CID, RESULT_HASH, "");
    }

    function test_submitResult_revertsWhenResultHashZero() public {
        vm.expectRevert(IComputeMarket.MarketInvalidResult.selector);
        vm.prank(provider1);
        market.submitResult(leaseId, RESULT_CID, bytes32(0), "");
    }

    function test_submitResult_revertsWhenResultCidEmpty() public {
        vm.expectRevert(IComputeMarket.MarketInvalidResult.selector);
        vm.prank(provider1);
        market.submitResult(leaseId, "", RESULT_HASH, "");
    }

    function test_submitResult_revertsWhenAlreadySubmitted() public {
        _submit(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketLeaseNotActive.selector, leaseId, IComputeMarket.LeaseState.ResultSubmitted
            )
        );
        vm.prank(provider1);
        market.submitResult(leaseId, RESULT_CID, RESULT_HASH, "");
    }

    function test_submitResult_revertsWhenLeaseUnknown() public {
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketLeaseNotActive.selector, 99, IComputeMarket.LeaseState.None)
        );
        vm.prank(provider1);
        market.submitResult(99, RESULT_CID, RESULT_HASH, "");
    }

    /// @dev An order that is open (no lease yet) has no lease to submit to.
    function test_submitResult_revertsWhenOrderNotLeased() public {
        uint256 open = _openBatchOrder();
        _bid(provider1, open, PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketLeaseNotActive.selector, open, IComputeMarket.LeaseState.None)
        );
        vm.prank(provider1);
        market.submitResult(open, RESULT_CID, RESULT_HASH, "");
    }

    // ------------------------------------------------------------ acceptResult

    function test_acceptResult_byTenantCreditsProviderAndRefundsRest() public {
        skip(WORKED);
        _submit(leaseId);
        uint16 rate = params.takeRateBps();
        Balances memory before = _balances();

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.PaymentReleased(leaseId, provider1, _net(JOB_PRICE, rate), _fee(JOB_PRICE, rate));
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseClosed(
            leaseId,
            provider1,
            IComputeMarket.LeaseState.Completed,
            IComputeMarket.CloseReason.ResultAccepted,
            DEPOSIT - JOB_PRICE
        );
        vm.prank(tenant); // at once: the tenant needs no dispute window
        market.acceptResult(leaseId);

        _assertCompleted(before, JOB_PRICE);
    }

    function test_acceptResult_byAnyoneAfterDisputeWindow() public {
        skip(WORKED);
        _submit(leaseId);
        Balances memory before = _balances();
        vm.warp(market.getLease(leaseId).disputeEndsAt);
        vm.prank(keeper);
        market.acceptResult(leaseId);
        _assertCompleted(before, JOB_PRICE);
    }

    /// @dev Priced per job: a result in the first second is paid the whole job price.
    function test_acceptResult_paysJobPriceWhateverTheTimeWorked() public {
        skip(1);
        _submit(leaseId);
        Balances memory before = _balances();
        vm.prank(tenant);
        market.acceptResult(leaseId);
        _assertCompleted(before, JOB_PRICE);
    }

    /// @dev The take rate is the lease's (its order's at opening), not the one at the time of payment.
    function test_acceptResult_usesLeaseTakeRate() public {
        uint16 rate = market.getLease(leaseId).takeRateBps;
        vm.prank(owner);
        params.setTakeRateBps(5_000);
        _submit(leaseId);
        vm.prank(tenant);
        market.acceptResult(leaseId);
        assertEq(market.accruedFees(address(token)), _fee(JOB_PRICE, rate));
        assertEq(_balanceOf(provider1), _net(JOB_PRICE, rate));
    }

    /// @dev The lease ends, its stake lock stays with the market (a returning provider's next lease
    ///      writes nothing in Staking) until the provider releases it.
    function test_acceptResult_keepsStakeLockedUntilReleased() public {
        _submit(leaseId);
        vm.prank(tenant);
        market.acceptResult(leaseId);
        assertEq(_openLeases(provider1), 0);
        assertEq(_lockedByMarket(provider1), _minStake());
        assertEq(staking.lockedOf(provider1, PROVIDER_ROLE), _minStake());
    }

    function test_acceptResult_revertsWhenDisputeWindowOpen() public {
        _submit(leaseId);
        uint64 disputeEndsAt = market.getLease(leaseId).disputeEndsAt;
        vm.warp(disputeEndsAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketDisputeWindowOpen.selector, leaseId, disputeEndsAt));
        vm.prank(provider1); // not even the provider
        market.acceptResult(leaseId);
    }

    function test_acceptResult_revertsWhenNoResult() public {
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketNoResult.selector, leaseId, IComputeMarket.LeaseState.Active)
        );
        vm.prank(tenant);
        market.acceptResult(leaseId);
    }

    function test_acceptResult_revertsWhenDisputed() public {
        _submit(leaseId);
        vm.prank(tenant);
        market.disputeResult(leaseId);
        skip(params.disputeWindow());
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketNoResult.selector, leaseId, IComputeMarket.LeaseState.Disputed)
        );
        vm.prank(tenant);
        market.acceptResult(leaseId);
    }

    function test_acceptResult_revertsWhenAlreadyCompleted() public {
        _submit(leaseId);
        vm.prank(tenant);
        market.acceptResult(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketNoResult.selector, leaseId, IComputeMarket.LeaseState.Completed)
        );
        vm.prank(tenant);
        market.acceptResult(leaseId);
    }

    function test_acceptResult_revertsWhenLeaseUnknown() public {
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketNoResult.selector, 99, IComputeMarket.LeaseState.None)
        );
        vm.prank(tenant);
        market.acceptResult(99);
    }

    // ------------------------------------------------------------ disputeResult

    function test_disputeResult_byTenantFreezesPayment() public {
        skip(WORKED);
        _submit(leaseId);
        vm.warp(market.getLease(leaseId).disputeEndsAt - 1); // last second of the window

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.ResultDisputed(leaseId, tenant);
        vm.prank(tenant);
        market.disputeResult(leaseId);

        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.Disputed));
        assertEq(l.held, JOB_PRICE);
        assertEq(_balanceOf(provider1), 0);
        assertEq(_balanceOf(tenant), 0);
        assertEq(token.balanceOf(address(market)), DEPOSIT);
    }

    function test_disputeResult_byArbiterFreezesPayment() public {
        address arbiter = makeAddr("arbiter");
        vm.prank(owner);
        params.setArbiter(arbiter);
        _submit(leaseId);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.ResultDisputed(leaseId, arbiter);
        vm.prank(arbiter);
        market.disputeResult(leaseId);
        assertEq(uint8(market.getLease(leaseId).state), uint8(IComputeMarket.LeaseState.Disputed));
    }

    function test_disputeResult_revertsWhenNotTenant() public {
        _submit(leaseId);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotTenant.selector, leaseId, stranger));
        vm.prank(stranger);
        market.disputeResult(leaseId);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotTenant.selector, leaseId, provider1));
        vm.prank(provider1);
        market.disputeResult(leaseId);
    }

    function test_disputeResult_revertsWhenNoResult() public {
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketNoResult.selector, leaseId, IComputeMarket.LeaseState.Active)
        );
        vm.prank(tenant);
        market.disputeResult(leaseId);
    }

    function test_disputeResult_revertsWhenAlreadyDisputed() public {
        _submit(leaseId);
        vm.prank(tenant);
        market.disputeResult(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketNoResult.selector, leaseId, IComputeMarket.LeaseState.Disputed)
        );
        vm.prank(tenant);
        market.disputeResult(leaseId);
    }

    function test_disputeResult_revertsWhenWindowClosed() public {
        _submit(leaseId);
        uint64 disputeEndsAt = market.getLease(leaseId).disputeEndsAt;
        vm.warp(disputeEndsAt);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketDisputeWindowClosed.selector, leaseId, disputeEndsAt)
        );
        vm.prank(tenant);
        market.disputeResult(leaseId);
    }

    function test_disputeResult_revertsWhenLeaseUnknown() public {
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketLeaseNotActive.selector, 99, IComputeMarket.LeaseState.None)
        );
        vm.prank(tenant);
        market.disputeResult(99);
    }

    // ------------------------------------------------------------ resolveDispute

    function test_resolveDispute_providerWinsIsPaid() public {
        skip(WORKED);
        _submit(leaseId);
        vm.prank(tenant);
        market.disputeResult(leaseId);
        Balances memory before = _balances();
        assertEq(params.arbiter(), owner); // the params owner until governance names one

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseClosed(
            leaseId,
            provider1,
            IComputeMarket.LeaseState.Completed,
            IComputeMarket.CloseReason.DisputeWon,
            DEPOSIT - JOB_PRICE
        );
        vm.prank(owner);
        market.resolveDispute(leaseId, true);

        _assertCompleted(before, JOB_PRICE);
    }

    function test_resolveDispute_tenantWinsIsRefundedAndProviderSlashed() public {
        skip(WORKED);
        _submit(leaseId);
        vm.prank(tenant);
        market.disputeResult(leaseId);
        Balances memory before = _balances();
        uint256 slash = _deadlineSlash(); // 10% of minProviderStake: 10 NOOS
        uint256 reward = slash * params.reporterRewardBps() / BPS;

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseClosed(
            leaseId, provider1, IComputeMarket.LeaseState.Failed, IComputeMarket.CloseReason.DisputeLost, DEPOSIT
        );
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.ProviderSlashed(leaseId, provider1, slash);
        vm.prank(owner);
        market.resolveDispute(leaseId, false);

        // The tenant gets its whole deposit back in its balance and, as the reporter, the reporter
        // share of the slash in its wallet (paid by Staking).
        assertEq(_balanceOf(tenant), before.tenant + DEPOSIT);
        assertEq(token.balanceOf(tenant), before.tenantWallet + reward);
        assertEq(token.balanceOf(treasury), before.treasury + slash - reward);
        assertEq(_balanceOf(provider1), 0);
        assertEq(token.balanceOf(provider1), before.providerWallet);
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), PROVIDER_STAKE - slash);
        assertEq(market.accruedFees(address(token)), 0);
        assertEq(token.balanceOf(address(market)), DEPOSIT); // the tenant's balance
        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.Failed));
        assertEq(l.held, 0);
        assertEq(_openLeases(provider1), 0);
    }

    function test_resolveDispute_followsArbiterChange() public {
        address arbiter = makeAddr("arbiter");
        vm.prank(owner);
        params.setArbiter(arbiter);
        _submit(leaseId);
        vm.prank(tenant);
        market.disputeResult(leaseId);

        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotArbiter.selector, owner));
        vm.prank(owner);
        market.resolveDispute(leaseId, true);

        vm.prank(arbiter);
        market.resolveDispute(leaseId, true);
        assertEq(uint8(market.getLease(leaseId).state), uint8(IComputeMarket.LeaseState.Completed));
    }

    function test_resolveDispute_revertsWhenNotArbiter() public {
        _submit(leaseId);
        vm.prank(tenant);
        market.disputeResult(leaseId);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotArbiter.selector, tenant));
        vm.prank(tenant);
        market.resolveDispute(leaseId, false);
    }

    function test_resolveDispute_revertsWhenNotDisputed() public {
        _submit(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketNotDisputed.selector, leaseId, IComputeMarket.LeaseState.ResultSubmitted
            )
        );
        vm.prank(owner);
        market.resolveDispute(leaseId, false);
    }

    function test_resolveDispute_revertsWhenAlreadyResolved() public {
        _submit(leaseId);
        vm.prank(tenant);
        market.disputeResult(leaseId);
        vm.prank(owner);
        market.resolveDispute(leaseId, false);
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketNotDisputed.selector, leaseId, IComputeMarket.LeaseState.Failed)
        );
        vm.prank(owner);
        market.resolveDispute(leaseId, true);
    }

    function test_resolveDispute_revertsWhenLeaseUnknown() public {
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketLeaseNotActive.selector, 99, IComputeMarket.LeaseState.None)
        );
        vm.prank(owner);
        market.resolveDispute(99, true);
    }

    // ------------------------------------------------------------ expireLease

    function test_expireLease_refundsTenantAndSlashesProviderWithReporterReward() public {
        Balances memory before = _balances();
        uint256 keeperBefore = token.balanceOf(keeper);
        uint256 slash = _deadlineSlash(); // 10 NOOS
        uint256 reward = slash * params.reporterRewardBps() / BPS; // 1 NOOS
        vm.warp(deadline + 1);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.LeaseClosed(
            leaseId, provider1, IComputeMarket.LeaseState.Failed, IComputeMarket.CloseReason.DeadlineMissed, DEPOSIT
        );
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.ProviderSlashed(leaseId, provider1, slash);
        vm.prank(keeper);
        market.expireLease(leaseId);

        assertEq(_balanceOf(tenant), before.tenant + DEPOSIT);
        assertEq(token.balanceOf(tenant), before.tenantWallet); // credited, not pushed
        assertEq(token.balanceOf(keeper), keeperBefore + reward);
        assertEq(token.balanceOf(treasury), before.treasury + slash - reward);
        assertEq(token.balanceOf(provider1), before.providerWallet);
        assertEq(_balanceOf(provider1), 0);
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), PROVIDER_STAKE - slash);
        assertEq(market.accruedFees(address(token)), 0);
        assertEq(token.balanceOf(address(market)), DEPOSIT);
        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.Failed));
        assertEq(l.closedAt, block.timestamp);
        assertEq(l.held, 0);
        assertEq(uint8(market.getOrder(leaseId).state), uint8(IComputeMarket.OrderState.Closed));
        assertEq(market.getOrder(leaseId).escrow, 0);
        assertEq(_openLeases(provider1), 0);
    }

    /// @dev The provider reporting its own miss gets no reporter reward: all goes to the treasury.
    function test_expireLease_byProviderItselfSendsWholeSlashToTreasury() public {
        uint256 walletBefore = token.balanceOf(provider1);
        uint256 treasuryBefore = token.balanceOf(treasury);
        vm.warp(deadline + 1);
        vm.prank(provider1);
        market.expireLease(leaseId);
        assertEq(token.balanceOf(provider1), walletBefore);
        assertEq(token.balanceOf(treasury), treasuryBefore + _deadlineSlash());
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), PROVIDER_STAKE - _deadlineSlash());
    }

    /// @dev A batch lease accrues nothing by time: settling it past its deadline changes nothing,
    ///      and the whole escrow (the held job price included) goes back to the tenant.
    function test_expireLease_refundsHeldJobPriceAfterSettle() public {
        vm.warp(deadline + 10);
        assertEq(market.settle(leaseId), 0);
        assertEq(market.getLease(leaseId).held, JOB_PRICE);
        assertEq(market.getOrder(leaseId).escrow, DEPOSIT);
        market.expireLease(leaseId);
        assertEq(_balanceOf(tenant), DEPOSIT);
        assertEq(market.getLease(leaseId).held, 0);
    }

    /// @dev The slash is missedDeadlineSlashBps of minProviderStake, whatever the provider staked.
    function test_expireLease_slashDoesNotGrowWithStake() public {
        vm.prank(provider1);
        staking.stake(PROVIDER_ROLE, 5_000 ether);
        vm.warp(deadline + 1);
        market.expireLease(leaseId);
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), PROVIDER_STAKE + 5_000 ether - _deadlineSlash());
    }

    /// @dev Raised parameters after the lease started: the slash is capped by what the market holds
    ///      locked for the provider (one lease: the old minProviderStake).
    function test_expireLease_slashCappedByMarketLock() public {
        uint256 locked = _lockedByMarket(provider1);
        vm.startPrank(owner);
        params.setMissedDeadlineSlashBps(BPS);
        params.setMinProviderStake(500 ether);
        vm.stopPrank();
        vm.warp(deadline + 1);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.ProviderSlashed(leaseId, provider1, locked);
        market.expireLease(leaseId);
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), PROVIDER_STAKE - locked);
    }

    /// @dev Losing SLASHER_ROLE must not lock the tenant's refund.
    function test_expireLease_refundsTenantWithoutSlasherRole() public {
        bytes32 slasherRole = staking.SLASHER_ROLE();
        vm.prank(owner);
        staking.revokeRole(slasherRole, address(market));
        uint256 treasuryBefore = token.balanceOf(treasury);
        vm.warp(deadline + 1);

        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.ProviderSlashed(leaseId, provider1, 0);
        vm.prank(keeper);
        market.expireLease(leaseId);

        assertEq(_balanceOf(tenant), DEPOSIT);
        assertEq(token.balanceOf(treasury), treasuryBefore);
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), PROVIDER_STAKE);
        assertEq(uint8(market.getLease(leaseId).state), uint8(IComputeMarket.LeaseState.Failed));
    }

    /// @dev The slash rate is read when the lease fails.
    function test_expireLease_withZeroSlashBpsKeepsStake() public {
        vm.prank(owner);
        params.setMissedDeadlineSlashBps(0);
        vm.warp(deadline + 1);
        vm.expectEmit(true, true, true, true, address(market));
        emit IComputeMarket.ProviderSlashed(leaseId, provider1, 0);
        market.expireLease(leaseId);
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), PROVIDER_STAKE);
        assertEq(_balanceOf(tenant), DEPOSIT);
    }

    function test_expireLease_revertsWhenDeadlineNotPassed() public {
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketDeadlineNotPassed.selector, leaseId, deadline));
        market.expireLease(leaseId);
    }

    function test_expireLease_revertsWhenServiceLease() public {
        uint256 service = _serviceLease(PRICE);
        vm.expectRevert(abi.encodeWithSelector(IComputeMarket.MarketNotBatchJob.selector, service));
        market.expireLease(service);
    }

    function test_expireLease_revertsWhenResultSubmitted() public {
        _submit(leaseId);
        vm.warp(deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketLeaseNotActive.selector, leaseId, IComputeMarket.LeaseState.ResultSubmitted
            )
        );
        market.expireLease(leaseId);
    }

    function test_expireLease_revertsWhenAlreadyExpired() public {
        vm.warp(deadline + 1);
        market.expireLease(leaseId);
        vm.expectRevert(
            abi.encodeWithSelector(
                IComputeMarket.MarketLeaseNotActive.selector, leaseId, IComputeMarket.LeaseState.Failed
            )
        );
        market.expireLease(leaseId);
    }

    function test_expireLease_revertsWhenLeaseUnknown() public {
        vm.expectRevert(
            abi.encodeWithSelector(IComputeMarket.MarketLeaseNotActive.selector, 99, IComputeMarket.LeaseState.None)
        );
        market.expireLease(99);
    }

    // ------------------------------------------------------------ helpers

    struct Balances {
        uint256 tenant; // market balances
        uint256 provider;
        uint256 tenantWallet;
        uint256 providerWallet;
        uint256 treasury;
    }

    function _balances() private view returns (Balances memory) {
        return Balances(
            _balanceOf(tenant),
            _balanceOf(provider1),
            token.balanceOf(tenant),
            token.balanceOf(provider1),
            token.balanceOf(treasury)
        );
    }

    /// @dev After a completed job: the provider's balance gains gross less fee, the tenant's the
    ///      rest of the escrow; no token leaves the market; escrow in == pay + fee + refund.
    function _assertCompleted(Balances memory before, uint256 gross) private view {
        uint16 rate = market.getLease(leaseId).takeRateBps;
        uint256 refund = _balanceOf(tenant) - before.tenant;
        assertEq(refund, DEPOSIT - gross);
        assertEq(_balanceOf(provider1) - before.provider, _net(gross, rate));
        assertEq(market.accruedFees(address(token)), _fee(gross, rate));
        assertEq(_balanceOf(provider1) + market.accruedFees(address(token)) + refund, DEPOSIT);
        // Credited, not pushed.
        assertEq(token.balanceOf(provider1), before.providerWallet);
        assertEq(token.balanceOf(tenant), before.tenantWallet);
        assertEq(token.balanceOf(address(market)), DEPOSIT);
        IComputeMarket.Lease memory l = market.getLease(leaseId);
        assertEq(uint8(l.state), uint8(IComputeMarket.LeaseState.Completed));
        assertEq(l.closedAt, block.timestamp);
        assertEq(l.held, 0);
        IComputeMarket.Order memory o = market.getOrder(leaseId);
        assertEq(uint8(o.state), uint8(IComputeMarket.OrderState.Closed));
        assertEq(o.escrow, 0);
        assertEq(staking.stakeOf(provider1, PROVIDER_ROLE), PROVIDER_STAKE);
        assertEq(_openLeases(provider1), 0);
    }
}
