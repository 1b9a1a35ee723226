"""Bills (水电燃气话费宽带物业暖气): bound biller accounts, monthly bills, paying them safely.

Money moves only through the ledger: a payment first holds the amount in the payer's wallet
(a pending transfer to the biller's account), then asks the biller, then posts the hold when
the biller confirms or voids it when the biller declines or does not answer.
"""
