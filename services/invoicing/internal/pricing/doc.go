// Package pricing is the invoice arithmetic of Invoicing: pure integer
// arithmetic in minor units (cents), with no database and no protobuf, so the
// API, the PDF and the Stripe amount are all the same numbers from one place.
//
// The rule (the contract states it too, in BillingSettings' comment):
//
//	charges   = Σ quantity × unit of the GroupWeeks, IndividualWeeks and Custom lines
//	discounts = Σ Discount lines: quantity × unit, or PercentBP of the charges
//	taxable   = charges − discounts
//	tax       = TaxExclusive: taxable × rate / 10000
//	            TaxInclusive: taxable × rate / (10000 + rate), the tax already inside the prices
//	            PerInvoice: computed once on taxable and rounded
//	            PerLine:    computed and rounded on each charge and discount line
//	                        (a discount's tax is negative), then summed
//	total     = taxable + tax (TaxExclusive) or taxable (TaxInclusive)
//	credits   = Σ Credit lines: not taxed, taken off the total
//	amount due = total − credits − credit notes − payments
//
// Every division rounds to the nearest minor unit, and a fraction of exactly
// one half away from zero (RoundDiv): 0.5 cent becomes 1 cent and −0.5 cent
// becomes −1 cent, so a discount's tax is exactly the negative of the same
// charge's tax. $395.00 tax-inclusive at 10% carries
// 39500 × 1000 / 11000 = 3590.909… → $35.91 of tax.
//
// The two roundings differ by at most half a cent per taxed line: each
// line's tax is within half a cent of its exact share, and the invoice's
// rounded tax is within half a cent of the exact sum.
package pricing
